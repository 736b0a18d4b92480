// The lean-generator half of `npm run bench -- kafka`: the real `bin/ledge` as its own process
// (storage.sync: always), driven by kafka-load.ts, beside kafka-sink.ts (a broker answering from
// memory) that shows what the generator reaches when the broker costs almost nothing. Runs are
// interleaved (the machine is shared: both see the same load); medians are reported.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLedge } from "../../test/helpers/ledge-process.ts";
import { startChildBroker } from "./child-broker.ts";
import { createTopic, encodeProduceRequests, runFetchLoad, runProduceLoad, type LoadRun } from "./kafka-load.ts";
import { progress } from "./report.ts";

export interface LeanOptions {
  /** The batches the in-process baseline appends (baseOffset 0), and their record count. */
  batches: Uint8Array[];
  records: number;
  runs: number;
  /** Each run produces the batch set this many times (a longer run, same batches). */
  producePasses: number;
  /** Each run reads the whole partition this many times, after one untimed pass. */
  fetchPasses: number;
  connections: number;
  /** Produce requests in flight per connection. */
  windowCount: number;
  fetchBytes: number;
  timeLimitMs: number;
}

export interface LeanSide {
  produce: LoadRun & { brokerCpuSeconds: number };
  fetch: LoadRun & { brokerCpuSeconds: number };
}

export interface LeanMeasured {
  ledge: LeanSide[];
  sink: LeanSide[];
}

export interface Broker {
  name: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** User + system CPU seconds a live process has used (Linux /proc/PID/stat, 100 ticks/s). */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function startLedgeChild(): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-kafka-lean-"));
  const config = join(dir, "ledge.yaml");
  // The same storage settings as the baseline's log (bench-log.ts).
  writeFileSync(config, [
    `dataDir: ${join(dir, "data")}`,
    "storage: { sync: always, commitDelayMs: 0, maxBytes: 64GiB, overflow: reject }",
    "",
  ].join("\n"));
  const p = await startLedge(["--config", config]);
  if (!p.ports.kafka) throw new Error(`ledge printed no Kafka port: ${JSON.stringify(p.ports)}`);
  return {
    name: "ledge", port: p.ports.kafka, pid: p.child.pid!,
    stop: async () => {
      p.child.kill("SIGTERM");
      await p.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function measureSide(b: Broker, topic: string, o: LeanOptions): Promise<LeanSide> {
  const host = "127.0.0.1";
  await createTopic(host, b.port, topic, 1);
  const once = encodeProduceRequests(topic, 0, o.batches);
  const requests = Array.from({ length: o.producePasses }, () => once).flat();
  const base = { host, port: b.port, connections: o.connections, timeLimitMs: o.timeLimitMs };
  let cpu0 = processCpuSeconds(b.pid);
  const produce = await runProduceLoad({ ...base, requests, windowCount: o.windowCount });
  const produceCpu = processCpuSeconds(b.pid) - cpu0;
  const stored = o.records * o.producePasses;
  if (produce.records !== stored || produce.timedOut) throw new Error(`${b.name}: lean produce acknowledged ${produce.records} of ${stored} records${produce.timedOut ? " (timed out)" : ""}`);
  const fetchBase = { ...base, topic, partition: 0, endOffset: stored, fetchBytes: o.fetchBytes };
  await runFetchLoad({ ...fetchBase, passes: 1 }); // untimed: the first reader pays the page faults
  cpu0 = processCpuSeconds(b.pid);
  const fetch = await runFetchLoad({ ...fetchBase, passes: o.fetchPasses });
  const fetchCpu = processCpuSeconds(b.pid) - cpu0;
  if (fetch.records !== stored * o.fetchPasses || fetch.timedOut) throw new Error(`${b.name}: lean fetch counted ${fetch.records} of ${stored * o.fetchPasses} records`);
  progress(`${b.name} lean: produce ${Math.round(produce.ratePerSecond)} rec/s (generator ${produce.cpuSeconds.toFixed(2)} CPU-s, broker ${produceCpu.toFixed(2)}), ` +
    `fetch ${Math.round(fetch.ratePerSecond)} rec/s (generator ${fetch.cpuSeconds.toFixed(2)} CPU-s, broker ${fetchCpu.toFixed(2)})`);
  return { produce: { ...produce, brokerCpuSeconds: produceCpu }, fetch: { ...fetch, brokerCpuSeconds: fetchCpu } };
}

export async function measureLean(o: LeanOptions): Promise<LeanMeasured> {
  // bin/ledge runs the esbuild bundle only when it is newer than every source: build it once
  // here, so every run measures what operators run (no transpiler in the process), not tsx.
  execFileSync(process.execPath, ["bin/build-dist.mjs"], { cwd: new URL("../..", import.meta.url), stdio: "inherit" });
  const sinkChild = await startChildBroker("kafka-sink.ts");
  const sink: Broker = { name: "sink", port: sinkChild.port, pid: sinkChild.child.pid!, stop: sinkChild.stop };
  let ledge: Broker | undefined;
  try {
    const m: LeanMeasured = { ledge: [], sink: [] };
    for (let run = 0; run < o.runs; run++) {
      progress(`lean run ${run + 1}/${o.runs}: ${o.producePasses} x ${o.records} records produced, then read ${o.fetchPasses} times, into the sink and into a fresh ledge (child process)`);
      m.sink.push(await measureSide(sink, `lean-${run}`, o));
      // A fresh data directory each run, as the in-process baseline appends into a new log:
      // LMDB's commits get slower as the file grows, which is not what this row compares.
      ledge = await startLedgeChild();
      m.ledge.push(await measureSide(ledge, `lean-${run}`, o));
      await ledge.stop();
      ledge = undefined;
    }
    return m;
  } finally {
    await ledge?.stop();
    await sink.stop();
  }
}
