// Exactly once across crashes, with the real bin/ledge: three pipelines over one source — tumbling
// windows, session windows (merging), count windows with emit: update — are SIGKILLed 10 times at
// random moments while they work through a backlog, then run to the end. Each one's output topic
// (and its late and dead-letter topics) must equal, record for record, what an uninterrupted run
// on the same source wrote — and the windows must be the plain-JS reference's.
import { cpSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { decodeBatch } from "../../runtime/core/index.ts";
import { readPipelineConfig } from "../../runtime/config/pipelines.ts";
import type { Log } from "../../runtime/log/index.ts";
import { startLedge, ledgeDirs, type LedgeDirs } from "../helpers/ledge-process.ts";
import { openLog } from "../log/helpers.ts";
import { compareResult, referenceWindows } from "./reference.ts";
import { batchesOf, prng, randomStream } from "./streams.ts";

const text = new TextDecoder();
const fields = { from: "telemetry", key: "device", time: "ts", fields: ["temp", "hum"] };
const pipelines = [
  { name: "temp1s", ...fields, window: { type: "tumbling", size: "1s", grace: "1s" }, aggregates: ["count", "sum", "min", "max", "avg", "stddev", "p95"], to: "temp-1s" },
  { name: "sessions", ...fields, window: { type: "session", gap: "2s", grace: "1s" }, aggregates: ["count", "sum", "min", "max", "first", "last", "stddev", "p95"], to: "temp-sessions" },
  // One key (the topic's first level): a few updates per stored batch, every one of them exact.
  { name: "every50", ...fields, key: "topic[0]", window: { type: "count", size: 50 }, aggregates: ["count", "avg", "max", "last"], emit: "update", to: "temp-every50" },
];
const yaml = `topics: [ { name: telemetry, partitions: 2 } ]\npipelines:\n${pipelines.map((p) => `  - ${JSON.stringify(p)}\n`).join("")}`;
const records = randomStream(31, 120_000, 500, 2);
const stored = batchesOf(records, 500);
const want = pipelines.map((p) => referenceWindows(readPipelineConfig(p), records, stored.map((b) => b.records)));
const topicsOf = (p: (typeof pipelines)[number]) => [p.to, `${p.name}.late`, `${p.name}.dlq`];

type Stored = Array<{ partition: number; key: string | null; value: string | null; timestampMs: number; headers: string }>;

async function readTopics(dataDir: string): Promise<Record<string, Stored>> {
  const log: Log = await openLog(dataDir);
  try {
    const out: Record<string, Stored> = {};
    for (const topic of pipelines.flatMap(topicsOf)) {
      out[topic] = [];
      for (let p = 0; p < 2; p++) {
        for (const b of log.read(topic, p, 0, 1 << 30).batches) {
          for (const r of decodeBatch(b).records) {
            out[topic].push({ partition: p, key: r.key && text.decode(r.key), value: r.value && text.decode(r.value), timestampMs: r.timestampMs, headers: JSON.stringify(r.headers.map((h) => [h.key, text.decode(h.value!)])) });
          }
        }
      }
    }
    return out;
  } finally {
    await log.close();
  }
}

/** Runs ledge until the pipeline's topics hold (at least) every expected window, late and dead-lettered record. */
async function runToEnd(dirs: LedgeDirs): Promise<void> {
  const ledge = await startLedge(dirs.args, 60_000);
  const kafka = new Kafka({ clientId: "pipeline-crash-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const deadline = Date.now() + 180_000;
  try {
    await admin.connect();
    const total = async (topic: string) => (await admin.fetchTopicOffsets(topic).catch(() => [])).reduce((n, p) => n + Number(p.high), 0);
    const done = async (i: number) => {
      const [results, late, dlq] = topicsOf(pipelines[i]);
      return (await total(results)) >= want[i].results.length && (await total(late)) >= want[i].late && (await total(dlq)) >= want[i].dlq;
    };
    while (!(await done(0)) || !(await done(1)) || !(await done(2))) {
      if (Date.now() > deadline) throw new Error(`the pipeline did not finish the backlog; stderr:\n${ledge.stderr()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
    ledge.child.kill("SIGTERM");
    await ledge.exited;
  }
}

describe("pipeline exactly once across SIGKILL", () => {
  it("10 kills at random moments: output, late and dead-letter topics of tumbling, session and count/update pipelines equal an uninterrupted run's, record for record", { timeout: 600_000 }, async () => {
    const steady = await ledgeDirs("ledge-pipe-steady-", yaml);
    const crashed = await ledgeDirs("ledge-pipe-crash-", yaml);
    try {
      const log = await openLog(steady.dataDir);
      await log.createTopic("telemetry", 2);
      await Promise.all(stored.map((b) => log.append("telemetry", b.partition, b.batch)));
      await log.close();
      cpSync(steady.dataDir, crashed.dataDir, { recursive: true });

      await runToEnd(steady);
      const rand = prng(99);
      const kills: number[] = [];
      for (let i = 0; i < 10; i++) {
        const ledge = await startLedge(crashed.args, 60_000);
        const delayMs = Math.floor(rand() * 1500);
        kills.push(delayMs);
        await new Promise((r) => setTimeout(r, delayMs));
        ledge.child.kill("SIGKILL");
        expect(await ledge.exited).toBe("SIGKILL");
      }
      await runToEnd(crashed);

      const a = await readTopics(steady.dataDir);
      const b = await readTopics(crashed.dataDir);
      expect(want[1].merges).toBeGreaterThan(0);
      pipelines.forEach((p, i) => {
        const [results, late, dlq] = topicsOf(p);
        expect(a[results].length, p.name).toBe(want[i].results.length);
        expect(b[results].length, `${p.name}: kills after ${kills.join(", ")} ms`).toBe(a[results].length);
        expect(b[results]).toEqual(a[results]);
        expect(b[late]).toEqual(a[late]);
        expect(b[dlq]).toEqual(a[dlq]);
        expect(a[late].length).toBe(want[i].late);
        expect(a[dlq].length).toBe(want[i].dlq);
        const config = readPipelineConfig(p);
        const problems = a[results].flatMap((r, j) => compareResult(config, JSON.parse(r.value!), want[i].results[j]));
        expect(problems.slice(0, 5)).toEqual([]);
      });
    } finally {
      await steady.remove();
      await crashed.remove();
    }
  });
});
