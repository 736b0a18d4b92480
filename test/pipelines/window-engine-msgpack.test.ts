// The window engine with format: msgpack against the plain-JS reference (./reference.ts) on the
// randomised streams of window-engine.test.ts, each JSON value packed by msgpackr (the broken ones
// sent as their bytes, which are not one MessagePack value either): the fused kernel (key field)
// and the column path (match + topic level, session windows) give the reference's windows, late
// and dead counts.
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../runtime/core/index.ts";
import { readPipelineConfig, type PipelineConfig } from "../../runtime/config/pipelines.ts";
import { WindowEngine } from "../../runtime/pipelines/window-engine.ts";
import { compareResult, referenceWindows, type RefRecord } from "./reference.ts";
import { randomStream } from "./streams.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const packr = new Packr({ useRecords: false });

function config(extra: Record<string, unknown>): PipelineConfig {
  return readPipelineConfig({
    name: "temp", from: "telemetry", format: "msgpack", key: "device", time: "ts", fields: ["temp", "hum"], window: { type: "tumbling", size: "1s", grace: "1s" },
    aggregates: ["count", "sum", "min", "max", "avg", "first", "last", "stddev", "p95"], to: "temp-out", ...extra,
  });
}

function packed(value: string | null): Uint8Array | null {
  if (value === null) return null;
  try {
    return packr.pack(JSON.parse(value));
  } catch {
    return utf8.encode(value);
  }
}

function expectSameAsReference(c: PipelineConfig, records: RefRecord[], perBatch: number): void {
  const engine = new WindowEngine(c);
  const results: Array<{ partition: number; key: string; value: string }> = [];
  let late = 0;
  let dlq = 0;
  for (let from = 0; from < records.length; ) {
    const partition = records[from].partition;
    let to = from;
    while (to < records.length && to - from < perBatch && records[to].partition === partition) to++;
    const batch = encodeBatch(records.slice(from, to).map((r) => ({ key: r.key === null ? null : utf8.encode(r.key), value: packed(r.value), timestampMs: r.timestampMs })));
    engine.processBatch(partition, batch);
    engine.closeDue();
    const out = engine.take();
    results.push(...out.results.map((r) => ({ partition: r.partition, key: text.decode(r.key!), value: text.decode(r.value!) })));
    late += out.late.length;
    dlq += out.dlq.length;
    from = to;
  }
  results.sort((a, b) => a.partition - b.partition);
  const want = referenceWindows(c, records);
  expect(want.results.length).toBeGreaterThan(10);
  expect(results.length).toBe(want.results.length);
  const problems = results.flatMap((r, i) => [...compareResult(c, JSON.parse(r.value), want.results[i]), ...(r.key === want.results[i].key ? [] : [`record ${i}: key ${r.key}`])]);
  expect(problems.slice(0, 10)).toEqual([]);
  expect({ late, dlq, events: engine.counts.events }).toEqual({ late: want.late, dlq: want.dlq, events: want.events });
  expect(want.late).toBeGreaterThan(0);
  expect(want.dlq).toBeGreaterThan(0);
  engine.close();
}

describe("window engine with format: msgpack vs a plain-JS reference", () => {
  it("keyed by a field (the fused kernel), 200 keys, 2 partitions", () => {
    expectSameAsReference(config({}), randomStream(21, 12_000, 200, 2), 83);
  });

  it("6,000 keys: the kernel's key and window caches grow and start over, and survive the key table's compaction", () => {
    expectSameAsReference(config({}), randomStream(24, 40_000, 6_000, 1), 211);
  });

  it("hopping windows through the fused kernel", () => {
    expectSameAsReference(config({ window: { type: "hopping", size: "2s", advance: "500ms", grace: "500ms" } }), randomStream(22, 8_000, 50, 1), 64);
  });

  it("session windows (the column path, values read by the same MessagePack kernel)", () => {
    expectSameAsReference(config({ window: { type: "session", gap: "1s", grace: "1s" } }), randomStream(25, 8_000, 50, 2), 64);
  });

  it("match filter and key topic[1] (the fused kernel)", () => {
    const records = randomStream(23, 6_000, 40, 1).map((r, i) => (i % 10 === 0 ? { ...r, key: "other/x/telemetry" } : r));
    expectSameAsReference(config({ key: "topic[1]", match: "sensors/+/telemetry" }), records, 50);
  });
});
