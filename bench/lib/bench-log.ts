// The log every benchmark opens: on disk in the bench's temp dir, acks after fsync
// (storage.sync: always, as the issues' rows ask), no retention timer, no log lines.
import { Log } from "../../runtime/log/index.ts";
import type { Logger } from "../../runtime/logger.ts";

export const quietLogger: Logger = { info() {}, warn() {}, error() {}, child: () => quietLogger };

export function openBenchLog(dataDir: string, options: { autoCreateTopics: boolean }): Promise<Log> {
  return Log.open({
    dataDir,
    storage: { sync: "always", syncIntervalMs: 100, maxBytes: 64 * 2 ** 30, overflow: "reject", commitDelayMs: 0, commitInflightCountMax: 1 },
    log: { autoCreateTopics: options.autoCreateTopics, partitionCountDefault: 1 },
    logger: quietLogger,
    retentionCheckIntervalMs: 3_600_000,
  });
}
