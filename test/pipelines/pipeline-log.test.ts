// Pipelines over a real log on LMDB: source batches in, results in the output topic equal to the
// plain-JS reference, late and bad records in <name>.late / <name>.dlq with reasons, aborted
// transactions not counted, metrics, and add/remove at run time.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch } from "../../runtime/core/index.ts";
import { readPipelineConfig } from "../../runtime/config/pipelines.ts";
import type { Log } from "../../runtime/log/index.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Pipelines } from "../../runtime/pipelines/index.ts";
import { openLog, tempDir } from "../log/helpers.ts";
import { compareResult, referenceWindows } from "./reference.ts";
import { batchesOf, randomStream } from "./streams.ts";

const text = new TextDecoder();
const utf8 = new TextEncoder();
let t: ReturnType<typeof tempDir>;
let log: Log;
let metrics: Metrics;
let pipelines: Pipelines;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  metrics = new Metrics();
  pipelines = new Pipelines({ log, logger: createLogger("pipelines", () => {}), metrics });
});

afterEach(async () => {
  await pipelines.close();
  await log.close();
  t.remove();
});

const mapping = {
  name: "temp1s", from: "telemetry", key: "device", time: "ts", fields: ["temp", "hum"],
  window: { type: "tumbling", size: "1s", grace: "1s" }, aggregates: ["count", "sum", "min", "max", "avg", "p95"], to: "temp-1s",
};

function readAll(topic: string, partitions = 1) {
  const out: Array<{ key: string | null; value: string | null; timestampMs: number; headers: Record<string, string> }> = [];
  for (let p = 0; p < partitions; p++) {
    for (const b of log.read(topic, p, 0, 1 << 30).batches) {
      for (const r of decodeBatch(b).records) {
        out.push({ key: r.key && text.decode(r.key), value: r.value && text.decode(r.value), timestampMs: r.timestampMs, headers: Object.fromEntries(r.headers.map((h) => [h.key, text.decode(h.value!)])) });
      }
    }
  }
  return out;
}

async function until(what: string, check: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("pipelines over the log", () => {
  it("writes exactly the reference's windows to the output topic, late and bad records to their topics, and counts them", { timeout: 120_000 }, async () => {
    await log.createTopic("telemetry", 2);
    const records = randomStream(21, 10_000, 100, 2);
    await Promise.all(batchesOf(records, 200).map((b) => log.append("telemetry", b.partition, b.batch)));
    await pipelines.addMapping(mapping);
    const config = readPipelineConfig(mapping);
    const want = referenceWindows(config, records);
    const total = (topic: string) => log.partitionState(topic, 0).highWatermark + log.partitionState(topic, 1).highWatermark;
    await until("every window, late and dead-lettered record", () => total("temp-1s") >= want.results.length && total("temp1s.late") === want.late && total("temp1s.dlq") === want.dlq);
    // Output partition p holds source partition p's windows, in the reference's order.
    const out = readAll("temp-1s", 2);
    expect(out.length).toBe(want.results.length);
    const problems = out.flatMap((r, i) => {
      const w = want.results[i];
      const keyAndTime = r.key === w.key && r.timestampMs === w.end ? [] : [`record ${i}: key ${r.key} ts ${r.timestampMs}`];
      return [...keyAndTime, ...compareResult(config, JSON.parse(r.value!), w)];
    });
    expect(problems.slice(0, 10)).toEqual([]);
    const late = readAll("temp1s.late", 2);
    expect(late[0].headers.reason).toMatch(/^late: event time \d+ falls only in windows that closed at watermark \d+$/);
    const dlq = readAll("temp1s.dlq", 2);
    expect(new Set(dlq.map((r) => r.headers.reason.replace(/\(at byte \d+\)/, "")))).toEqual(new Set([
      "not JSON: an unexpected byte, or the document ends too early ",
      "the field 'temp' is missing, not a finite number",
      "the key field 'device' is missing, not a string or number",
      "the time field 'ts' is a string, not a number of epoch ms",
    ]));
    const series = (name: string) => metrics.counters.get(name)!.series.get('pipeline="temp1s"')!.value;
    await until("metrics", () => series("ledge_pipeline_windows_emitted_total") === want.results.length);
    expect(series("ledge_pipeline_events_total")).toBe(want.events);
    expect(series("ledge_pipeline_late_total")).toBe(want.late);
    expect(series("ledge_pipeline_dlq_total")).toBe(want.dlq);
    expect(metrics.gauges.get("ledge_pipeline_watermark_lag_ms")!.series.get('pipeline="temp1s"')!.value).toBeGreaterThan(0);
  });

  it("skips aborted transactions (read_committed) and follows data appended while it runs", async () => {
    await log.createTopic("telemetry", 1);
    await pipelines.addMapping({ ...mapping, aggregates: ["count"] });
    const doc = (device: string, ts: number) => ({ key: null, value: utf8.encode(JSON.stringify({ device, ts, temp: 1, hum: 2 })), timestampMs: ts });
    await log.append("telemetry", 0, encodeBatch([doc("a", 1000), doc("a", 1500)]));
    const pid = await log.allocateProducerId();
    await log.append("telemetry", 0, encodeBatch([doc("a", 1600), doc("b", 1700)], { producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true }));
    await log.appendMarker("telemetry", 0, { producerId: pid, producerEpoch: 0, commit: false, coordinatorEpoch: 0 });
    await log.append("telemetry", 0, encodeBatch([doc("a", 5000)]));
    await until("the window", () => log.partitionState("temp-1s", 0).highWatermark >= 1);
    expect(readAll("temp-1s").map((r) => r.value)).toEqual(['{"key":"a","window":{"start":1000,"end":2000},"count":2}']);
  });

  it("at the end of its source, folds a trickle of commits in steps about 100 ms apart, not a step per commit", async () => {
    await log.createTopic("telemetry", 1);
    await pipelines.addMapping({ ...mapping, aggregates: ["count"] });
    const doc = (device: string, ts: number) => ({ key: null, value: utf8.encode(JSON.stringify({ device, ts, temp: 1, hum: 2 })), timestampMs: ts });
    // Steps that found data: the pipeline's reads of its source that returned batches.
    let steps = 0;
    const read = log.readCommitted.bind(log);
    log.readCommitted = (topic, partition, offset, maxBytes, into) => {
      const r = read(topic, partition, offset, maxBytes, into);
      if (topic === "telemetry" && r.batches.length > 0) steps++;
      return r;
    };
    const commits = 40;
    for (let i = 0; i < commits; i++) {
      await log.append("telemetry", 0, encodeBatch([doc("a", 1000 + i)]));
      await new Promise((r) => setTimeout(r, 5));
    }
    const events = () => metrics.counters.get("ledge_pipeline_events_total")?.series.get('pipeline="temp1s"')?.value ?? 0;
    await until("every record folded", () => events() === commits);
    // 40 commits over >= 200 ms: a step per commit would be 40.
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThanOrEqual(commits / 4);
  });

  it("start: latest skips what was there, keeps its place across a restart, and starts afresh once removed", async () => {
    await log.createTopic("telemetry", 1);
    const doc = (device: string, ts: number) => ({ key: null, value: utf8.encode(JSON.stringify({ device, ts, temp: 1, hum: 2 })), timestampMs: ts });
    await log.append("telemetry", 0, encodeBatch([doc("old", 1000), doc("old", 9000)]));
    await pipelines.addMapping({ ...mapping, aggregates: ["count"], start: "latest" });
    await until("the start position checkpointed", () => log.readCheckpoint("pipeline/temp1s") !== undefined);
    await pipelines.remove("temp1s", { forgetState: false });
    await log.append("telemetry", 0, encodeBatch([doc("new", 20_000), doc("new", 20_500)]));
    await pipelines.addMapping({ ...mapping, aggregates: ["count"], start: "latest" });
    await log.append("telemetry", 0, encodeBatch([doc("new", 30_000)]));
    await until("the window", () => log.partitionState("temp-1s", 0).highWatermark >= 1);
    expect(readAll("temp-1s").map((r) => r.value)).toEqual(['{"key":"new","window":{"start":20000,"end":21000},"count":2}']);
  });

  it("session, count and sliding windows resume from their checkpoint in LMDB exactly (stopped halfway, added again)", { timeout: 120_000 }, async () => {
    await log.createTopic("telemetry", 2);
    const records = randomStream(25, 6_000, 40, 2);
    const batches = batchesOf(records, 100);
    const half = Math.floor(batches.length / 2);
    const windows = [
      { name: "s", window: { type: "session", gap: "1s", grace: "1s" }, to: "s-out" },
      { name: "c", window: { type: "count", size: 7 }, to: "c-out" },
      { name: "w", window: { type: "sliding", size: "1s", grace: "500ms" }, to: "w-out", emit: "update" },
    ].map((w) => ({ ...mapping, aggregates: ["count", "sum", "max", "p90"], ...w }));
    const total = (topic: string) => log.partitionState(topic, 0).highWatermark + log.partitionState(topic, 1).highWatermark;
    const wants = windows.map((m) => referenceWindows(readPipelineConfig(m), records, batches.map((b) => b.records)));
    const firstHalf = windows.map((m) => referenceWindows(readPipelineConfig(m), batches.slice(0, half).flatMap((b) => b.records), batches.slice(0, half).map((b) => b.records)));
    for (const b of batches.slice(0, half)) await log.append("telemetry", b.partition, b.batch);
    for (const m of windows) await pipelines.addMapping(m);
    await until("the first half's windows", () => windows.every((m, i) => total(m.to) >= firstHalf[i].results.length));
    for (const m of windows) await pipelines.remove(m.name, { forgetState: false });
    for (const b of batches.slice(half)) await log.append("telemetry", b.partition, b.batch);
    for (const m of windows) await pipelines.addMapping(m);
    await until("every window", () => windows.every((m, i) => total(m.to) >= wants[i].results.length));
    windows.forEach((m, i) => {
      const out = readAll(m.to, 2);
      expect(out.length, m.name).toBe(wants[i].results.length);
      const problems = out.flatMap((r, j) => compareResult(readPipelineConfig(m), JSON.parse(r.value!), wants[i].results[j]));
      expect(problems.slice(0, 5), m.name).toEqual([]);
    });
  });

  it("refuses to resume a checkpoint of another window type, naming what to do", async () => {
    await log.createTopic("telemetry", 1);
    await pipelines.addMapping({ ...mapping, aggregates: ["count"] });
    await log.append("telemetry", 0, encodeBatch([{ key: null, value: utf8.encode('{"device":"a","ts":10,"temp":1,"hum":1}'), timestampMs: 1 }]));
    await until("a checkpoint", () => log.readCheckpoint("pipeline/temp1s") !== undefined);
    await pipelines.remove("temp1s", { forgetState: false });
    await expect(pipelines.addMapping({ ...mapping, aggregates: ["count"], window: { type: "session", gap: "1s" } })).rejects.toThrow(
      "pipeline temp1s: its checkpoint holds tumbling windows, but the config asks for session windows; give the pipeline a new name to start it afresh, or ask for tumbling windows again",
    );
    await pipelines.addMapping({ ...mapping, aggregates: ["count"], window: { type: "tumbling", size: "1s" } });
  });

  it("adds and removes pipelines at run time; a removed pipeline's state is forgotten", async () => {
    await log.createTopic("telemetry", 1);
    await expect(pipelines.addMapping({ ...mapping, window: { type: "tumbling" } })).rejects.toThrow(/config key 'pipeline.window.size' must be a duration/);
    await pipelines.addMapping({ ...mapping, aggregates: ["count"] });
    await expect(pipelines.addMapping({ ...mapping, aggregates: ["count"] })).rejects.toThrow(/a name no running pipeline has/);
    expect(pipelines.list().map((p) => p.name)).toEqual(["temp1s"]);
    await log.append("telemetry", 0, encodeBatch([{ key: null, value: utf8.encode('{"device":"a","ts":10,"temp":1,"hum":1}'), timestampMs: 1 }, { key: null, value: utf8.encode('{"device":"a","ts":3000,"temp":1,"hum":1}'), timestampMs: 1 }]));
    await until("the window", () => log.partitionState("temp-1s", 0).highWatermark === 1);
    expect(log.readCheckpoint("pipeline/temp1s")).toBeDefined();
    expect(await pipelines.remove("temp1s")).toBe(true);
    expect(pipelines.list()).toEqual([]);
    expect(log.readCheckpoint("pipeline/temp1s")).toBeUndefined();
  });
});
