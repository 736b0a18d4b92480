// Randomised telemetry streams for the pipeline tests: many devices, mostly in order, some out
// of order within the grace, a few late, a few bad payloads; cut into stored batches.
import { encodeBatch } from "../../runtime/core/index.ts";
import type { RefRecord } from "./reference.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const utf8 = new TextEncoder();

/** A small deterministic PRNG, so a failing seed can be replayed. */
export const prng = seededRandom;

export function randomStream(seed: number, count: number, keys: number, partitions: number): RefRecord[] {
  const rand = prng(seed);
  const out: RefRecord[] = [];
  let clock = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    clock += Math.floor(rand() * 20);
    const device = `d${Math.floor(rand() * keys)}`;
    const r = rand();
    // Mostly in order, some within the grace of 1 s, a few far behind (late).
    const ts = r < 0.8 ? clock : r < 0.97 ? clock - Math.floor(rand() * 1000) : clock - 5000 - Math.floor(rand() * 5000);
    const temp = Math.round((rand() * 60 - 20) * 100) / 100;
    const hum = Math.floor(rand() * 100);
    let value = JSON.stringify({ device, ts, temp, hum, meta: { fw: "1.2", tags: [1, { x: "}" }] } });
    const bad = rand();
    if (bad < 0.01) value = value.slice(0, -3);
    else if (bad < 0.02) value = JSON.stringify({ device, ts, hum });
    else if (bad < 0.025) value = JSON.stringify({ ts, temp, hum });
    else if (bad < 0.03) value = JSON.stringify({ device, ts: "soon", temp, hum });
    else if (bad < 0.035) value = ` { "ts" : ${ts} , "temp":${temp}e0, "device" : "${device}", "hum": ${hum}, "device": "${device}" } `;
    out.push({ partition: Math.floor(rand() * partitions), key: `sensors/${device}/telemetry`, value, timestampMs: clock });
  }
  return out;
}

/** Batches of up to `perBatch` records, each of one partition, in stream order. */
export function batchesOf(records: RefRecord[], perBatch: number): Array<{ partition: number; batch: Uint8Array; records: RefRecord[] }> {
  const out: Array<{ partition: number; batch: Uint8Array; records: RefRecord[] }> = [];
  let run: RefRecord[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const batch = encodeBatch(run.map((r) => ({ key: r.key === null ? null : utf8.encode(r.key), value: r.value === null ? null : utf8.encode(r.value), timestampMs: r.timestampMs })));
    out.push({ partition: run[0].partition, batch, records: run });
    run = [];
  };
  for (const r of records) {
    if (run.length > 0 && (run[0].partition !== r.partition || run.length >= perBatch)) flush();
    run.push(r);
  }
  flush();
  return out;
}

