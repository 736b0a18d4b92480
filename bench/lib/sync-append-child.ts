// Child process of `bench log`'s storage.sync rows, so a disk-fault shim can be preloaded
// (LD_PRELOAD only takes effect at process start). Appends 100 x 100 B batches to a fresh log
// with `writers` concurrent writers for `seconds` (bounded in count too) and prints one JSON line:
// {"batches","seconds","ackMsP50","ackMsP99"} (ack = the append's promise resolving).
// Usage: node --import tsx bench/lib/sync-append-child.ts DATA_DIR always|interval WRITERS SECONDS
import { encodeBatch } from "../../runtime/core/index.ts";
import { Log } from "../../runtime/log/index.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { quietLogger } from "./bench-log.ts";

const [dataDir, sync, writersArg, secondsArg] = process.argv.slice(2);
const writers = Number(writersArg);
const defaults = readConfig({});
const log = await Log.open({
  dataDir,
  storage: { ...defaults.storage, sync: sync === "interval" ? "interval" : "always", maxBytes: 64 * 2 ** 30, overflow: "reject", commitDelayMs: 0, commitInflightCountMax: 1 },
  log: { ...defaults.log, autoCreateTopics: false },
  logger: quietLogger,
  retentionCheckIntervalMs: 3_600_000,
});
await log.createTopic("bench", 1);
const value = new Uint8Array(100).fill(97);
const batch = encodeBatch(Array.from({ length: 100 }, (_, i) => ({ key: null, value, timestampMs: Date.now() + i })));
const batches = Array.from({ length: writers }, () => new Uint8Array(batch));
const latencies: number[] = [];
const deadline = performance.now() + Number(secondsArg) * 1000;
const t0 = performance.now();
let done = 0;
await Promise.all(batches.map(async (b) => {
  while (performance.now() < deadline && done < 1_000_000) {
    const start = performance.now();
    await log.append("bench", 0, b);
    latencies.push(performance.now() - start);
    done++;
  }
}));
const seconds = (performance.now() - t0) / 1000;
await log.close();
latencies.sort((a, b) => a - b);
const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
process.stdout.write(`${JSON.stringify({ batches: done, seconds, ackMsP50: at(0.5), ackMsP99: at(0.99) })}\n`);
