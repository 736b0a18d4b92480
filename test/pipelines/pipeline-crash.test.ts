// Exactly once across crashes, with the real bin/ledge: a pipeline is SIGKILLed 10 times at
// random moments while it works through a backlog, then runs to the end. Its output topic (and
// its late and dead-letter topics) must equal, record for record, what an uninterrupted run on
// the same source wrote — and the windows must be the plain-JS reference's.
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
const pipeline = {
  name: "temp1s", from: "telemetry", key: "device", time: "ts", fields: ["temp", "hum"],
  window: { type: "tumbling", size: "1s", grace: "1s" }, aggregates: ["count", "sum", "min", "max", "avg", "stddev", "p95"], to: "temp-1s",
};
const yaml = `topics: [ { name: telemetry, partitions: 2 } ]\npipelines:\n  - ${JSON.stringify(pipeline)}\n`;
const records = randomStream(31, 120_000, 500, 2);
const want = referenceWindows(readPipelineConfig(pipeline), records);

type Stored = Array<{ partition: number; key: string | null; value: string | null; timestampMs: number; headers: string }>;

async function readTopics(dataDir: string): Promise<Record<string, Stored>> {
  const log: Log = await openLog(dataDir);
  try {
    const out: Record<string, Stored> = {};
    for (const topic of ["temp-1s", "temp1s.late", "temp1s.dlq"]) {
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
    while ((await total("temp-1s")) < want.results.length || (await total("temp1s.late")) < want.late || (await total("temp1s.dlq")) < want.dlq) {
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
  it("10 kills at random moments: output, late and dead-letter topics equal an uninterrupted run's, record for record", { timeout: 600_000 }, async () => {
    const steady = await ledgeDirs("ledge-pipe-steady-", yaml);
    const crashed = await ledgeDirs("ledge-pipe-crash-", yaml);
    try {
      const log = await openLog(steady.dataDir);
      await log.createTopic("telemetry", 2);
      await Promise.all(batchesOf(records, 500).map((b) => log.append("telemetry", b.partition, b.batch)));
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
      expect(a["temp-1s"].length).toBe(want.results.length);
      expect(b["temp-1s"].length, `kills after ${kills.join(", ")} ms`).toBe(a["temp-1s"].length);
      expect(b["temp-1s"]).toEqual(a["temp-1s"]);
      expect(b["temp1s.late"]).toEqual(a["temp1s.late"]);
      expect(b["temp1s.dlq"]).toEqual(a["temp1s.dlq"]);
      expect(a["temp1s.late"].length).toBe(want.late);
      expect(a["temp1s.dlq"].length).toBe(want.dlq);
      const config = readPipelineConfig(pipeline);
      const problems = a["temp-1s"].flatMap((r, i) => compareResult(config, JSON.parse(r.value!), want.results[i]));
      expect(problems.slice(0, 5)).toEqual([]);
    } finally {
      await steady.remove();
      await crashed.remove();
    }
  });
});
