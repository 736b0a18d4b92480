// Child process for crash.test.ts: appends batches with up to 8 in flight and prints one line
// per acknowledged (durable) append: "ack <partition> <baseOffset> <sha1 of the stored bytes>".
// The parent SIGKILLs it at random moments. Odd runs issue up to two transactions at once.
// Usage: node --import tsx crash-child.ts DATA_DIR RUN [always|interval]
import { createHash } from "node:crypto";
import { encodeBatch } from "../../runtime/core/index.ts";
import { Log } from "../../runtime/log/index.ts";
import { readConfig } from "../../runtime/config/index.ts";

const [dataDir, run, sync = "always"] = process.argv.slice(2);
const defaults = readConfig({});
const log = await Log.open({
  dataDir,
  storage: { ...defaults.storage, sync: sync === "interval" ? "interval" : "always", syncIntervalMs: 100, maxBytes: 2 ** 30, overflow: "reject", commitDelayMs: 0, commitInflightCountMax: 1 + (Number(run) % 2) },
  log: { ...defaults.log, autoCreateTopics: true, partitionCountDefault: 2 },
  topics: [{ name: "crash", partitions: 2, config: {} }],
  logger: { info() {}, warn() {}, error: (m) => process.stderr.write(`${m}\n`), child() { return this; } },
});
process.stdout.write("ready\n");

const enc = new TextEncoder();
let n = 0;
async function writer(): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    const id = n++;
    const count = 1 + (id % 7);
    const records = Array.from({ length: count }, (_, r) => ({
      key: enc.encode(`k${id % 13}`),
      value: enc.encode(`run ${run} batch ${id} record ${r} `.padEnd(40 + (id % 200), "x")),
      timestampMs: Date.now(),
    }));
    const partition = id % 2;
    const bytes = encodeBatch(records);
    const result = await log.append("crash", partition, bytes);
    const sha = createHash("sha1").update(bytes).digest("hex");
    process.stdout.write(`ack ${partition} ${result.baseOffset} ${count} ${sha}\n`);
  }
}
await Promise.all(Array.from({ length: 8 }, writer));
