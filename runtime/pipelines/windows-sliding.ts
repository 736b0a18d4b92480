// Sliding windows: per key and source partition, one window ending at each distinct event time
// of the key's records, [t − size, t] (both ends inclusive, as Kafka Streams' SlidingWindows),
// holding every record of the key whose event time falls in it: "the last `size` up to this
// reading", one result per distinct reading time. (Kafka also emits a window starting just after
// each record, the records of the following `size` without it; it is left out: it doubles the
// output, and the trailing view is what a monitor asks for.) A window closes when its partition's
// watermark passes its end (end < watermark); a record is late when its event time is below the
// watermark, so an on-time record only ever joins open windows.
//
// Min, max and sketches cannot take a record out again, so a window is not kept as accumulators
// while open: the key's records (event time and field values, f64s in offset order) are kept
// while a window may still need them — event time >= watermark − size — and a window is folded
// from them in wasm when it is written (at close, or on each change for emit: update). State per
// partition: those records, (1 + fields) × 8 bytes each, plus one f64 per open window;
// openWindowCountMax bounds the records kept (never fewer than the open windows).
import type { PipelineConfig } from "../config/pipelines.ts";
import type { BatchFields } from "./batch-fields.ts";
import { boundReason, byKeyIds, remapByKey, smallestWatermark, totalOver, lateReason, partitionState, type EngineCheckpoint, type WindowHost, type WindowKind } from "./window-kind.ts";

interface Series {
  /** Records in offset order: [t, v0, .., vF−1] each. */
  records: number[];
  /** Ends of the open windows (distinct event times >= watermark), ascending. */
  ends: number[];
  /** The smallest event time in records. */
  oldestMs: number;
}

interface PartitionSeries {
  maxTimeMs: number;
  recordCount: number;
  /** Open windows (the series' ends). */
  windowCount: number;
  byKey: Map<number, Series>;
}

/** Windows folded per wasm call (each holds a slot, and sketches if percentiles are asked for). */
const FOLD_WINDOWS_MAX = 256;

export class SlidingWindows implements WindowKind {
  readonly #config: PipelineConfig;
  readonly #sizeMs: number;
  readonly #graceMs: number;
  readonly #stride: number;
  #partitions = new Map<number, PartitionSeries>();
  /** emit: update — windows the current batch changed: "partition key end" → [partition, key id, end]. */
  #changed = new Map<string, [number, number, number]>();

  constructor(config: PipelineConfig) {
    if (config.window.type !== "sliding") throw new RangeError(`sliding windows, not ${config.window.type}`);
    this.#config = config;
    this.#sizeMs = config.window.sizeMs;
    this.#graceMs = config.window.graceMs;
    this.#stride = 1 + config.fields.length;
  }

  get watermarkMs(): number {
    return smallestWatermark(this.#partitions, this.#graceMs);
  }

  get openCount(): number {
    return totalOver(this.#partitions, (ps) => ps.windowCount);
  }

  assign(partition: number, bf: BatchFields, host: WindowHost): void {
    const ps = this.#state(partition);
    const fields = this.#stride - 1;
    for (let i = 0; i < bf.count; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      const watermark = ps.maxTimeMs - this.#graceMs;
      if (t < watermark) {
        host.late(bf, partition, i, lateReason(t, watermark, "is below the watermark (a sliding window's records may be at most grace behind the largest event time)"));
        continue;
      }
      if (ps.recordCount >= this.#config.openWindowCountMax) {
        if (t > ps.maxTimeMs) ps.maxTimeMs = t;
        host.dlq(bf, partition, i, boundReason(this.#config, partition, "a shorter size"));
        continue;
      }
      const s = partitionState(ps.byKey, keyId, () => ({ records: [], ends: [], oldestMs: Infinity }) as Series);
      s.records.push(t);
      if (t < s.oldestMs) s.oldestMs = t;
      for (let f = 0; f < fields; f++) s.records.push(bf.values[f * bf.count + i]);
      ps.recordCount++;
      const at = lowerBound(s.ends, t);
      if (s.ends[at] !== t) {
        s.ends.splice(at, 0, t);
        ps.windowCount++;
      }
      if (host.updates) {
        for (let e = at; e < s.ends.length && s.ends[e] <= t + this.#sizeMs; e++) this.#changed.set(`${partition} ${keyId} ${s.ends[e]}`, [partition, keyId, s.ends[e]]);
      }
      host.counts.events++;
      if (t > ps.maxTimeMs) ps.maxTimeMs = t;
    }
  }

  emitChanged(host: WindowHost): void {
    const changed = [...this.#changed.values()].sort((a, b) => a[0] - b[0] || a[2] - b[2] || host.compareKeys(a[1], b[1]));
    this.#changed.clear();
    this.#write(host, changed);
  }

  /** Windows whose end the watermark has passed: by partition, then end and key; then records no window needs are dropped. */
  closeDue(host: WindowHost): void {
    for (const [partition, ps] of [...this.#partitions].sort((a, b) => a[0] - b[0])) {
      const watermark = ps.maxTimeMs - this.#graceMs;
      if (!host.updates) {
        const due: Array<[number, number, number]> = [];
        for (const [keyId, s] of ps.byKey) for (let n = 0; n < s.ends.length && s.ends[n] < watermark; n++) due.push([partition, keyId, s.ends[n]]);
        due.sort((a, b) => a[2] - b[2] || host.compareKeys(a[1], b[1]));
        this.#write(host, due);
      }
      this.#prune(ps, watermark);
    }
  }

  keyIds(): Iterable<number> {
    return byKeyIds(this.#partitions);
  }

  remapKeys(to: (keyId: number) => number): void {
    remapByKey(this.#partitions, to);
  }

  checkpoint(host: WindowHost): EngineCheckpoint {
    const series: NonNullable<EngineCheckpoint["series"]> = [];
    for (const [partition, ps] of this.#partitions) {
      for (const [keyId, s] of ps.byKey) {
        series.push([partition, host.keyBytes(keyId).slice(), f64Bytes(s.records), f64Bytes(s.ends)]);
      }
    }
    return { partitions: [...this.#partitions].map(([p, s]) => [p, s.maxTimeMs]), windows: [], series };
  }

  restore(c: EngineCheckpoint, host: WindowHost): void {
    for (const [p, t] of c.partitions) this.#state(p).maxTimeMs = t;
    for (const [p, key, records, ends] of c.series ?? []) {
      const ps = this.#state(p);
      const s: Series = { records: f64s(records), ends: f64s(ends), oldestMs: -Infinity };
      ps.byKey.set(host.internKey(key), s);
      ps.recordCount += s.records.length / this.#stride;
      ps.windowCount += s.ends.length;
    }
  }

  #state(partition: number): PartitionSeries {
    return partitionState(this.#partitions, partition, () => ({ maxTimeMs: -Infinity, recordCount: 0, windowCount: 0, byKey: new Map() }));
  }

  /** Folds and writes windows [partition, key id, end], in the order given, FOLD_WINDOWS_MAX per wasm call. */
  #write(host: WindowHost, windows: Array<[number, number, number]>): void {
    for (let from = 0; from < windows.length; from += FOLD_WINDOWS_MAX) {
      const chunk = windows.slice(from, from + FOLD_WINDOWS_MAX);
      // The records of the chunk's series, copied once each into columns the kernel reads.
      const base = new Map<Series, number>();
      let recordCount = 0;
      for (const [p, keyId] of chunk) {
        const s = this.#partitions.get(p)!.byKey.get(keyId)!;
        if (!base.has(s)) {
          base.set(s, recordCount);
          recordCount += s.records.length / this.#stride;
        }
      }
      const fields = this.#stride - 1;
      const times = new Float64Array(recordCount);
      const values = new Float64Array(recordCount * fields);
      for (const [s, at] of base) {
        for (let r = 0, n = s.records.length / this.#stride; r < n; r++) {
          times[at + r] = s.records[r * this.#stride];
          for (let f = 0; f < fields; f++) values[f * recordCount + at + r] = s.records[r * this.#stride + 1 + f];
        }
      }
      const slots: number[] = [];
      const records: number[] = [];
      const held = chunk.map(([p, keyId, end]) => {
        const s = this.#partitions.get(p)!.byKey.get(keyId)!;
        const slot = host.acc.allocate();
        const at = base.get(s)!;
        for (let r = 0, n = s.records.length / this.#stride; r < n; r++) {
          const t = s.records[r * this.#stride];
          if (t >= end - this.#sizeMs && t <= end) {
            slots.push(slot);
            records.push(at + r);
          }
        }
        return slot;
      });
      host.acc.feed(Int32Array.from(slots), Int32Array.from(records), slots.length, times, values, recordCount);
      chunk.forEach(([p, keyId, end], i) => {
        host.result(p, keyId, end - this.#sizeMs, end, held[i]);
        host.acc.release(held[i]);
      });
    }
  }

  /** Drops closed windows, records no open or future window reaches (older than watermark − size), and series left empty. */
  #prune(ps: PartitionSeries, watermark: number): void {
    const keepFromMs = watermark - this.#sizeMs;
    for (const [keyId, s] of ps.byKey) {
      let closed = 0;
      while (closed < s.ends.length && s.ends[closed] < watermark) closed++;
      if (closed > 0) s.ends.splice(0, closed);
      ps.windowCount -= closed;
      if (s.oldestMs < keepFromMs) {
        const kept: number[] = [];
        let oldest = Infinity;
        for (let r = 0; r < s.records.length; r += this.#stride) {
          if (s.records[r] < keepFromMs) continue;
          for (let k = 0; k < this.#stride; k++) kept.push(s.records[r + k]);
          oldest = Math.min(oldest, s.records[r]);
        }
        ps.recordCount -= (s.records.length - kept.length) / this.#stride;
        s.records = kept;
        s.oldestMs = oldest;
      }
      if (s.records.length === 0 && s.ends.length === 0) ps.byKey.delete(keyId);
    }
  }
}

/** The first index whose value is >= x in an ascending array. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function f64Bytes(a: number[]): Uint8Array {
  return new Uint8Array(Float64Array.from(a).buffer);
}

function f64s(bytes: Uint8Array): number[] {
  return Array.from(new Float64Array(bytes.slice().buffer));
}
