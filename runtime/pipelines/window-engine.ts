// The window engine of one pipeline: stored batches in, closed-window results out. Per batch,
// record decode and field extraction run in wasm (batch-fields.ts), the host assigns each record
// its windows (a few typed-array writes), and one wasm call folds the values into the open
// windows' accumulators (runtime/core WindowAccumulators). Only closed windows become objects.
//
// Time: event time (the `time` field, else the record timestamp). Each source partition keeps
// the largest event time it has seen; a record is late when every window it falls in ends at or
// before its partition's watermark (that maximum − grace). Windows close when the pipeline's
// watermark — the smallest partition watermark among partitions that have delivered a record —
// passes their end. Both rules depend only on each partition's own order, so the results are the
// same whatever order partitions are read in (what exactly-once replay after a crash needs), and
// a closed window can never receive another record.
import type { RecordHeader } from "../core/index.ts";
import { WindowAccumulators } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import { FieldReader, type BatchFields } from "./batch-fields.ts";
import { KeyTable } from "./key-table.ts";
import { quantileFractions, renderResult } from "./results.ts";

export interface OutRecord {
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestampMs: number;
  headers?: RecordHeader[];
}

export interface EngineOutputs {
  results: OutRecord[];
  late: OutRecord[];
  dlq: OutRecord[];
}

export interface EngineCounts {
  events: number;
  windowsEmitted: number;
  late: number;
  dlq: number;
}

/** What a checkpoint holds of the engine: partition watermarks and open windows. */
export interface EngineCheckpoint {
  /** [partition, largest event time seen]. */
  partitions: Array<[number, number]>;
  /** [window start, group key bytes, WindowAccumulators.serialize bytes]. */
  windows: Array<[number, Uint8Array, Uint8Array]>;
}

const utf8 = new TextEncoder();

export class WindowEngine {
  readonly config: PipelineConfig;
  readonly counts: EngineCounts = { events: 0, windowsEmitted: 0, late: 0, dlq: 0 };
  readonly #sizeMs: number;
  readonly #advanceMs: number;
  readonly #graceMs: number;
  #keys = new KeyTable();
  #reader: FieldReader;
  readonly #acc: WindowAccumulators;
  /** Open windows: start → (key id → slot). */
  #open = new Map<number, Map<number, number>>();
  readonly #maxTimeMs = new Map<number, number>();
  #out: EngineOutputs = { results: [], late: [], dlq: [] };
  #slots = new Int32Array(1024);
  #records = new Int32Array(1024);

  constructor(config: PipelineConfig) {
    const w = config.window;
    if (w.type !== "tumbling" && w.type !== "hopping") throw new RangeError(`window type '${w.type}' is not built yet (tumbling and hopping are)`);
    if (config.emit !== "final") throw new RangeError("emit: update is not built yet (emit: final is)");
    if (config.format !== "json") throw new RangeError("format: msgpack is not built yet (json is)");
    this.config = config;
    this.#sizeMs = w.sizeMs;
    this.#advanceMs = w.type === "hopping" ? w.advanceMs : w.sizeMs;
    this.#graceMs = w.graceMs;
    this.#reader = new FieldReader(config, this.#keys);
    this.#acc = new WindowAccumulators(config.fields.length, { quantiles: quantileFractions(config).length > 0 });
  }

  /** The pipeline's watermark (−Infinity before any record). */
  get watermarkMs(): number {
    let min = Infinity;
    for (const t of this.#maxTimeMs.values()) min = Math.min(min, t - this.#graceMs);
    return min === Infinity ? -Infinity : min;
  }

  /** Windows open now. */
  get openWindowCount(): number {
    return this.#acc.liveCount;
  }

  /** Folds one stored (committed, non-control) batch of source partition `partition`. */
  processBatch(partition: number, batch: Uint8Array): void {
    const bf = this.#reader.read(batch);
    const n = bf.count;
    const perRecord = this.#sizeMs / this.#advanceMs;
    if (this.#slots.length < n * perRecord) {
      this.#slots = new Int32Array(n * perRecord * 2);
      this.#records = new Int32Array(n * perRecord * 2);
    }
    let maxMs = this.#maxTimeMs.get(partition) ?? -Infinity;
    let entries = 0;
    for (let i = 0; i < n; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      const watermark = maxMs - this.#graceMs;
      const before = entries;
      // Windows [s, s + size) with s aligned to advance and s <= t < s + size, oldest first.
      const last = Math.floor(t / this.#advanceMs) * this.#advanceMs;
      for (let s = last - this.#sizeMs + this.#advanceMs; s <= last; s += this.#advanceMs) {
        if (s + this.#sizeMs <= watermark) continue;
        this.#slots[entries] = this.#slotFor(s, keyId);
        this.#records[entries++] = i;
      }
      if (entries === before) {
        this.#late(bf, i, watermark);
        continue;
      }
      this.counts.events++;
      if (t > maxMs) maxMs = t;
    }
    if (maxMs !== -Infinity) this.#maxTimeMs.set(partition, maxMs);
    this.#acc.feed(this.#slots, this.#records, entries, bf.timeMs, bf.values, n);
    for (const r of bf.rejected) this.#dlq(bf, r.index, r.reason);
  }

  /** Emits every window whose end the watermark has reached, oldest first, keys in order. */
  closeDue(): void {
    const watermark = this.watermarkMs;
    const due = [...this.#open.keys()].filter((s) => s + this.#sizeMs <= watermark).sort((a, b) => a - b);
    for (const start of due) {
      const byKey = this.#open.get(start)!;
      const ids = [...byKey.keys()].sort((a, b) => compareKeys(this.#keys.string(a), this.#keys.string(b)));
      for (const keyId of ids) this.#emit(start, keyId, byKey.get(keyId)!);
      this.#open.delete(start);
    }
    if (due.length > 0) this.#compactKeys();
  }

  /** Takes the outputs produced since the last take. */
  take(): EngineOutputs {
    const out = this.#out;
    this.#out = { results: [], late: [], dlq: [] };
    return out;
  }

  checkpoint(): EngineCheckpoint {
    const windows: EngineCheckpoint["windows"] = [];
    for (const [start, byKey] of this.#open) {
      for (const [keyId, slot] of byKey) windows.push([start, this.#keys.bytes(keyId).slice(), this.#acc.serialize(slot)]);
    }
    return { partitions: [...this.#maxTimeMs], windows };
  }

  /** Replaces the engine's state with a checkpoint's (a fresh engine only). */
  restore(c: EngineCheckpoint): void {
    if (this.#open.size > 0 || this.#maxTimeMs.size > 0) throw new Error("restore() needs a fresh window engine (a ledge bug)");
    for (const [p, t] of c.partitions) this.#maxTimeMs.set(p, t);
    for (const [start, key, bytes] of c.windows) {
      const keyId = this.#keys.intern(key, 0, key.length);
      let byKey = this.#open.get(start);
      if (!byKey) this.#open.set(start, (byKey = new Map()));
      byKey.set(keyId, this.#acc.restore(bytes));
    }
  }

  #lastStart = NaN;
  #lastByKey: Map<number, number> | undefined;

  #slotFor(start: number, keyId: number): number {
    let byKey = this.#lastByKey;
    if (start !== this.#lastStart || byKey === undefined) {
      byKey = this.#open.get(start);
      if (!byKey) this.#open.set(start, (byKey = new Map()));
      this.#lastStart = start;
      this.#lastByKey = byKey;
    }
    let slot = byKey.get(keyId);
    if (slot === undefined) byKey.set(keyId, (slot = this.#acc.allocate()));
    return slot;
  }

  #emit(start: number, keyId: number, slot: number): void {
    const end = start + this.#sizeMs;
    const key = this.#keys.string(keyId);
    const value = renderResult(this.config, key, start, end, this.#acc.read(slot), slot, this.#acc);
    this.#acc.release(slot);
    this.#out.results.push({ key: this.#keys.bytes(keyId).slice(), value: utf8.encode(value), timestampMs: end });
    this.counts.windowsEmitted++;
  }

  #late(bf: BatchFields, i: number, watermark: number): void {
    this.counts.late++;
    this.#out.late.push(sourceRecord(bf, i, `late: event time ${bf.timeMs[i]} falls only in windows that closed at watermark ${watermark}`));
  }

  #dlq(bf: BatchFields, i: number, reason: string): void {
    this.counts.dlq++;
    this.#out.dlq.push(sourceRecord(bf, i, reason));
  }

  /** Keys no open window holds are forgotten once they are most of the table (the table never shrinks otherwise). */
  #compactKeys(): void {
    if (this.#keys.count < 4096 || this.#keys.count < 4 * this.#acc.liveCount) return;
    const keys = new KeyTable();
    const open = new Map<number, Map<number, number>>();
    for (const [start, byKey] of this.#open) {
      const next = new Map<number, number>();
      for (const [keyId, slot] of byKey) {
        const bytes = this.#keys.bytes(keyId);
        next.set(keys.intern(bytes, 0, bytes.length), slot);
      }
      open.set(start, next);
    }
    this.#keys = keys;
    this.#open = open;
    this.#lastByKey = undefined;
    this.#reader = new FieldReader(this.config, keys);
  }
}

/** The source record as it was (key, value), with the reason and its origin in headers. */
function sourceRecord(bf: BatchFields, i: number, reason: string): OutRecord {
  const c = bf.cols;
  const view = (at: number, length: number) => (length < 0 ? null : c.records.slice(at, at + length));
  return {
    key: view(c.keyPosition[i], c.keyLength[i]),
    value: view(c.valuePosition[i], c.valueLength[i]),
    timestampMs: c.header.logAppendTime ? c.header.maxTimestampMs : c.header.baseTimestampMs + c.timestampDeltaMs[i],
    headers: [
      { key: "reason", value: utf8.encode(reason) },
      { key: "offset", value: utf8.encode(String(c.header.baseOffset + c.offsetDelta[i])) },
    ],
  };
}

/** Key order for emission: by UTF-16 code units, as JS compares strings (stable across runs). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

