// The log every benchmark opens: on disk in the bench's temp dir, acks after fsync
// (storage.sync: always, as the issues' rows ask), no retention timer, no log lines.
import { Log } from "../../runtime/log/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import { readConfig } from "../../runtime/config/index.ts";

/** The config's defaults, for every setting the bench does not pin. */
const defaults = readConfig({});

export const quietLogger: Logger = { info() {}, warn() {}, error() {}, child: () => quietLogger };

export function openBenchLog(dataDir: string, options: { autoCreateTopics: boolean }): Promise<Log> {
  return Log.open({
    dataDir,
    storage: { ...defaults.storage, sync: "always", maxBytes: 64 * 2 ** 30, overflow: "reject", commitDelayMs: 0, commitInflightCountMax: 1 },
    log: { ...defaults.log, autoCreateTopics: options.autoCreateTopics, partitionCountDefault: 1 },
    logger: quietLogger,
    retentionCheckIntervalMs: 3_600_000,
  });
}
