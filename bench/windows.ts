// `npm run bench -- windows`: the wasm window pipeline vs a straightforward JS pipeline, end to
// end from stored batches to window results, same batches in the same run (issue #13).
// Data: JSON telemetry of 1,000 devices in stored (uncompressed) RecordBatches of 500 records;
// 1-second tumbling windows on the `ts` field, count/avg/min/max + p95 of `temp`.
// ledge: runtime/pipelines' WindowEngine (decode, JSON field extraction and aggregation in wasm).
// baseline: kafkajs's batch decoder, JSON.parse per record, a Map of accumulators per window,
// and p95 from a sorted array of the window's values.
import { encodeBatch, type RecordInput } from "../runtime/core/index.ts";
import { readPipelineConfig } from "../runtime/config/pipelines.ts";
import { WindowEngine } from "../runtime/pipelines/index.ts";
import { kafkajsDecodeBatch } from "../test/reference/kafkajs-batch.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";
import { seededRandom } from "./lib/telemetry-lines.ts";

const EVENTS = 300_000;
const KEYS = 1000;
const PER_BATCH = 500;
const RUNS = 5;
/** Events per second of event time: 1-second windows of ~50 events per device. */
const EVENTS_PER_EVENT_SECOND = 50_000;
const GRACE_MS = 200;

const config = readPipelineConfig({
  name: "bench", from: "telemetry", key: "device", time: "ts", fields: ["temp"],
  window: { type: "tumbling", size: "1s", grace: `${GRACE_MS}ms` }, aggregates: ["count", "avg", "min", "max", "p95"], to: "out",
});

export function storedBatches(): Uint8Array[] {
  const random = seededRandom(13);
  const utf8 = new TextEncoder();
  const batches: Uint8Array[] = [];
  let ts = 1_767_225_600_000;
  for (let b = 0; b < EVENTS / PER_BATCH; b++) {
    const records: RecordInput[] = [];
    for (let i = 0; i < PER_BATCH; i++) {
      const n = b * PER_BATCH + i;
      const eventTs = ts + Math.floor((n * 1000) / EVENTS_PER_EVENT_SECOND) - Math.floor(random() * 100);
      const device = `sensor-${String(Math.floor(random() * KEYS)).padStart(4, "0")}`;
      const value = `{"device":"${device}","ts":${eventTs},"temp":${(15 + random() * 15).toFixed(2)},"hum":${(30 + random() * 40).toFixed(1)},"status":"ok"}`;
      records.push({ key: utf8.encode(`sensors/${device}/telemetry`), value: utf8.encode(value), timestampMs: eventTs });
    }
    batches.push(encodeBatch(records));
  }
  return batches;
}

/** The wasm pipeline; returns the windows emitted (checked against the baseline's). */
export function wasmPipeline(batches: Uint8Array[]): { events: number; windows: number; checksum: number } {
  const engine = new WindowEngine(config);
  let windows = 0;
  let checksum = 0;
  for (const b of batches) {
    engine.processBatch(0, b);
    engine.closeDue();
    const out = engine.take();
    windows += out.results.length;
    for (const r of out.results) checksum += r.value!.length;
  }
  engine.close();
  return { events: engine.counts.events, windows, checksum };
}

interface Acc { count: number; sum: number; min: number; max: number; values: number[] }

/** The straightforward JS pipeline. */
async function jsPipeline(batches: Uint8Array[]): Promise<{ events: number; windows: number; checksum: number }> {
  const open = new Map<number, Map<string, Acc>>();
  let maxTs = -Infinity;
  let events = 0;
  let windows = 0;
  let checksum = 0;
  for (const bytes of batches) {
    const batch = await kafkajsDecodeBatch(bytes);
    for (const r of batch.records) {
      const doc = JSON.parse(r.value!.toString()) as { device: string; ts: number; temp: number };
      const start = Math.floor(doc.ts / 1000) * 1000;
      if (start + 1000 <= maxTs - GRACE_MS) continue;
      let byKey = open.get(start);
      if (!byKey) open.set(start, (byKey = new Map()));
      let acc = byKey.get(doc.device);
      if (!acc) byKey.set(doc.device, (acc = { count: 0, sum: 0, min: Infinity, max: -Infinity, values: [] }));
      acc.count++;
      acc.sum += doc.temp;
      if (doc.temp < acc.min) acc.min = doc.temp;
      if (doc.temp > acc.max) acc.max = doc.temp;
      acc.values.push(doc.temp);
      if (doc.ts > maxTs) maxTs = doc.ts;
      events++;
    }
    for (const [start, byKey] of [...open].sort((a, b) => a[0] - b[0])) {
      if (start + 1000 > maxTs - GRACE_MS) continue;
      for (const [key, acc] of [...byKey].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const sorted = acc.values.sort((a, b) => a - b);
        const value = JSON.stringify({ key, window: { start, end: start + 1000 }, count: acc.count, temp: { avg: acc.sum / acc.count, min: acc.min, max: acc.max, p95: sorted[Math.floor(0.95 * (sorted.length - 1))] } });
        checksum += value.length;
        windows++;
      }
      open.delete(start);
    }
  }
  return { events, windows, checksum };
}

async function rate(fn: () => Promise<{ events: number }> | { events: number }): Promise<number> {
  const t0 = process.hrtime.bigint();
  const { events } = await fn();
  return events / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function windows(): Promise<BenchResult[]> {
  progress(`windows: ${EVENTS} JSON telemetry events, ${KEYS} keys, ${PER_BATCH}-record stored batches, 1 s tumbling windows`);
  const batches = storedBatches();
  const a = wasmPipeline(batches);
  const b = await jsPipeline(batches);
  if (a.events !== b.events || a.windows !== b.windows) throw new Error(`the pipelines disagree: wasm ${JSON.stringify(a)}, js ${JSON.stringify(b)}`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await rate(() => wasmPipeline(batches)));
    theirs.push(await rate(() => jsPipeline(batches)));
  }
  const ledge = median(ours);
  return [
    result({ name: "pipeline-vs-js", unit: "events/s", ledge, baseline: median(theirs), baselineName: "kafkajs decode + JSON.parse + Map + sorted p95", target: 5,
      notes: `${a.windows} windows; absolute ${Math.round(ledge).toLocaleString("en-US")} events/s on one core (goal 3,000,000)` }),
  ];
}
