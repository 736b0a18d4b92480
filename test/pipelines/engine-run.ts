// Runs a window engine over a stream cut into stored batches, and checks it against the plain-JS
// reference (./reference.ts): shared by the window engine tests.
import { expect } from "vitest";
import { readPipelineConfig, type PipelineConfig } from "../../runtime/config/pipelines.ts";
import { WindowEngine, type OutRecord } from "../../runtime/pipelines/window-engine.ts";
import { compareResult, referenceWindows, type RefOutcome, type RefRecord } from "./reference.ts";
import { batchesOf } from "./streams.ts";

const text = new TextDecoder();

export function config(window: Record<string, unknown>, extra: Record<string, unknown> = {}): PipelineConfig {
  return readPipelineConfig({
    name: "temp", from: "telemetry", key: "device", time: "ts", fields: ["temp", "hum"], window,
    aggregates: ["count", "sum", "min", "max", "avg", "first", "last", "stddev", "p50", "p90", "p95", "p99"], to: "temp-out", ...extra,
  });
}

export function runEngine(c: PipelineConfig, records: RefRecord[], perBatch: number): { results: OutRecord[]; engine: WindowEngine; late: number; dlq: number } {
  const engine = new WindowEngine(c);
  const results: OutRecord[] = [];
  let late = 0;
  let dlq = 0;
  for (const b of batchesOf(records, perBatch)) {
    engine.processBatch(b.partition, b.batch);
    engine.closeDue();
    const out = engine.take();
    results.push(...out.results);
    late += out.late.length;
    dlq += out.dlq.length;
  }
  // Each source partition's results come in a fixed order; partitions interleave as read.
  results.sort((a, b) => a.partition - b.partition);
  return { results, engine, late, dlq };
}

export function expectSameAsReference(c: PipelineConfig, records: RefRecord[], perBatch: number, expectLate = true): RefOutcome {
  const { results, engine, late, dlq } = runEngine(c, records, perBatch);
  const want = referenceWindows(c, records, batchesOf(records, perBatch).map((b) => b.records));
  expect(want.results.length).toBeGreaterThan(10);
  expect(results.length).toBe(want.results.length);
  const problems: string[] = [];
  results.forEach((r, i) => {
    const got = JSON.parse(text.decode(r.value!));
    problems.push(...compareResult(c, got, want.results[i]));
    if (text.decode(r.key!) !== want.results[i].key || r.timestampMs !== want.results[i].end) problems.push(`record ${i}: key or timestamp`);
  });
  expect(problems.slice(0, 10)).toEqual([]);
  expect({ late, dlq, events: engine.counts.events }).toEqual({ late: want.late, dlq: want.dlq, events: want.events });
  if (expectLate) expect(want.late).toBeGreaterThan(0);
  expect(want.dlq).toBeGreaterThan(0);
  return want;
}

