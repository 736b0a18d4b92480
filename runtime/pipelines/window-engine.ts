// The window engine of one pipeline: stored batches in, closed-window results out. Tumbling and
// hopping windows keyed by a field go through the fused kernel (batch-fields.ts createFolder):
// one wasm call per batch decodes, extracts, keys and folds, and comes back only for a new group
// key or a window it has no slot for. Otherwise, per batch, record decode and field extraction
// run in wasm (batch-fields.ts FieldReader), the host assigns each record its windows (a few
// typed-array writes), and one wasm call folds the values into the open windows' accumulators
// (runtime/core WindowAccumulators). Only closed windows become objects.
//
// Time: event time (the `time` field, else the record timestamp). Windows are kept per source
// partition, each with its own watermark: the largest event time that partition has delivered,
// minus grace. A record is late when every window it falls in ends at or before its partition's
// watermark; a partition's windows close when its watermark passes their end. So results depend
// only on each partition's own order — the same whatever order partitions are read in, which is
// what exactly-once replay after a crash needs — an idle partition holds back no other, and a
// closed window never receives another record. A group key whose records span partitions gets
// one result per partition and window: key the source by the group key (MQTT ingest keys
// records by topic, so topic levels and fields of the topic are).
import type { BatchFolder, RecordHeader } from "../core/index.ts";
import { FoldListed, FoldStop, WindowAccumulators } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import { createFolder, FieldReader, listedReason, type BatchFields } from "./batch-fields.ts";
import { KeyTable } from "./key-table.ts";
import { quantileFractions, renderResult } from "./results.ts";

export interface OutRecord {
  /** The source partition it came from (results go to the same output partition). */
  partition: number;
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
  /** [source partition, window start, group key bytes, WindowAccumulators.serialize bytes]. */
  windows: Array<[number, number, Uint8Array, Uint8Array]>;
}

const utf8 = new TextEncoder();

interface PartitionWindows {
  maxTimeMs: number;
  /** Open (window, key) pairs, bounded by openWindowCountMax. */
  openCount: number;
  /** Open windows: start → (key id → slot). */
  open: Map<number, Map<number, number>>;
}

export class WindowEngine {
  readonly config: PipelineConfig;
  readonly counts: EngineCounts = { events: 0, windowsEmitted: 0, late: 0, dlq: 0 };
  readonly #sizeMs: number;
  readonly #advanceMs: number;
  readonly #graceMs: number;
  #keys = new KeyTable();
  #reader: FieldReader;
  /** The fused kernel, when the pipeline's windows allow it (else the column path). */
  #folder: BatchFolder | null;
  readonly #acc: WindowAccumulators;
  /** Per source partition: open windows (start → key id → slot) and the largest event time. */
  #partitions = new Map<number, PartitionWindows>();
  #out: EngineOutputs = { results: [], late: [], dlq: [] };
  #slots = new Int32Array(1024);
  #records = new Int32Array(1024);

  constructor(config: PipelineConfig) {
    const w = config.window;
    if (w.type !== "tumbling" && w.type !== "hopping") throw new RangeError(`window type '${w.type}' is not built yet (tumbling and hopping are)`);
    if (config.emit !== "final") throw new RangeError("emit: update is not built yet (emit: final is)");
    this.config = config;
    this.#sizeMs = w.sizeMs;
    this.#advanceMs = w.type === "hopping" ? w.advanceMs : w.sizeMs;
    this.#graceMs = w.graceMs;
    this.#reader = new FieldReader(config, this.#keys);
    this.#acc = new WindowAccumulators(config.fields.length, { quantiles: quantileFractions(config).length > 0 });
    this.#folder = createFolder(config, this.#acc, (put) => this.#eachOpenWindow(put));
  }

  /** The smallest partition watermark (−Infinity before any record): what watermark lag reports. */
  get watermarkMs(): number {
    let min = Infinity;
    for (const w of this.#partitions.values()) min = Math.min(min, w.maxTimeMs - this.#graceMs);
    return min === Infinity ? -Infinity : min;
  }

  /** Windows open now. */
  get openWindowCount(): number {
    return this.#acc.liveCount;
  }

  /** Folds one stored (committed, non-control) batch of source partition `partition`. */
  processBatch(partition: number, batch: Uint8Array): void {
    if (this.#folder) {
      this.#processFused(this.#folder, partition, batch);
      return;
    }
    const bf = this.#reader.read(batch);
    const n = bf.count;
    const perRecord = this.#sizeMs / this.#advanceMs;
    if (this.#slots.length < n * perRecord) {
      this.#slots = new Int32Array(n * perRecord * 2);
      this.#records = new Int32Array(n * perRecord * 2);
    }
    const pw = this.#partitionWindows(partition);
    let maxMs = pw.maxTimeMs;
    let entries = 0;
    for (let i = 0; i < n; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      const watermark = maxMs - this.#graceMs;
      const before = entries;
      // Windows [s, s + size) with s aligned to advance and s <= t < s + size, oldest first.
      const last = Math.floor(t / this.#advanceMs) * this.#advanceMs;
      const first = last - this.#sizeMs + this.#advanceMs;
      if (this.#overBound(pw, first, last, keyId, watermark)) {
        // Past the bound: the record goes whole to the dead-letter topic, in none of its windows.
        // Its time still moves the watermark, so windows close and make room again.
        if (t > maxMs) maxMs = t;
        this.#dlq(bf, partition, i, this.#boundReason(partition));
        continue;
      }
      for (let s = first; s <= last; s += this.#advanceMs) {
        if (s + this.#sizeMs <= watermark) continue;
        this.#slots[entries] = this.#slotFor(pw, s, keyId);
        this.#records[entries++] = i;
      }
      if (entries === before) {
        this.#late(bf, partition, i, watermark);
        continue;
      }
      this.counts.events++;
      if (t > maxMs) maxMs = t;
    }
    pw.maxTimeMs = maxMs;
    this.#acc.feed(this.#slots, this.#records, entries, bf.timeMs, bf.values, n);
    for (const r of bf.rejected) this.#dlq(bf, partition, r.index, r.reason);
  }

  /** processBatch through the fused kernel: the same rules, with the host asked only for new keys and windows. */
  #processFused(folder: BatchFolder, partition: number, batch: Uint8Array): void {
    const pw = this.#partitionWindows(partition);
    folder.begin(batch, partition, pw.maxTimeMs);
    for (let stop = folder.run(); stop !== FoldStop.done; stop = folder.run()) {
      if (stop === FoldStop.newKey) {
        const key = folder.keyBytes();
        folder.putKey(this.#keys.intern(key, 0, key.length));
        continue;
      }
      // A record whose windows are not all in the kernel's cache: open what is missing here.
      const t = folder.timeMs;
      const keyId = folder.keyId;
      const watermark = folder.maxTimeMs - this.#graceMs;
      const last = Math.floor(t / this.#advanceMs) * this.#advanceMs;
      const first = last - this.#sizeMs + this.#advanceMs;
      if (this.#overBound(pw, first, last, keyId, watermark)) {
        const r = folder.stoppedRecord();
        folder.skip(Math.max(folder.maxTimeMs, t));
        this.counts.dlq++;
        this.#out.dlq.push(outRecord(partition, r.key, r.value, r.timestampMs, r.offset, this.#boundReason(partition)));
        continue;
      }
      for (let s = first; s <= last; s += this.#advanceMs) {
        if (s + this.#sizeMs > watermark) folder.putWindow(s, keyId, this.#slotFor(pw, s, keyId));
      }
    }
    pw.maxTimeMs = folder.maxTimeMs;
    this.counts.events += folder.events;
    for (const r of folder.listed()) {
      const late = r.what === FoldListed.late;
      const reason = late ? lateReason(r.timeMs, r.watermarkMs) : listedReason(this.config, r);
      if (late) this.counts.late++;
      else this.counts.dlq++;
      (late ? this.#out.late : this.#out.dlq).push(outRecord(partition, r.key, r.value, r.timestampMs, r.offset, reason));
    }
  }

  #eachOpenWindow(put: (partition: number, start: number, keyId: number, slot: number) => void): void {
    for (const [partition, pw] of this.#partitions) for (const [start, byKey] of pw.open) for (const [keyId, slot] of byKey) put(partition, start, keyId, slot);
  }

  /** Whether opening the record's missing windows would pass openWindowCountMax. */
  #overBound(pw: PartitionWindows, first: number, last: number, keyId: number, watermark: number): boolean {
    const max = this.config.openWindowCountMax;
    return pw.openCount + this.#sizeMs / this.#advanceMs > max && pw.openCount + this.#missing(pw, first, last, keyId, watermark) > max;
  }

  #boundReason(partition: number): string {
    return `the pipeline already holds openWindowCountMax (${this.config.openWindowCountMax}) open windows for source partition ${partition}; raise it, or use fewer keys or shorter windows`;
  }

  /** Emits every window whose end its partition's watermark has reached: by partition, oldest first, keys in order. */
  closeDue(): void {
    let closed = false;
    for (const [partition, pw] of [...this.#partitions].sort((a, b) => a[0] - b[0])) {
      const watermark = pw.maxTimeMs - this.#graceMs;
      const due = [...pw.open.keys()].filter((s) => s + this.#sizeMs <= watermark).sort((a, b) => a - b);
      for (const start of due) {
        const byKey = pw.open.get(start)!;
        const ids = [...byKey.keys()].sort((a, b) => compareKeys(this.#keys.string(a), this.#keys.string(b)));
        for (const keyId of ids) this.#emit(partition, start, keyId, byKey.get(keyId)!);
        pw.openCount -= byKey.size;
        pw.open.delete(start);
        closed = true;
      }
    }
    if (closed) {
      this.#lastByKey = undefined;
      this.#compactKeys();
    }
  }

  /** Gives the engine's wasm memory (its sketches) back for reuse; the engine is dead after. */
  close(): void {
    this.#folder?.dispose();
    this.#acc.dispose();
    this.#partitions.clear();
  }

  /** Takes the outputs produced since the last take. */
  take(): EngineOutputs {
    const out = this.#out;
    this.#out = { results: [], late: [], dlq: [] };
    return out;
  }

  checkpoint(): EngineCheckpoint {
    const windows: EngineCheckpoint["windows"] = [];
    for (const [partition, pw] of this.#partitions) {
      for (const [start, byKey] of pw.open) {
        for (const [keyId, slot] of byKey) windows.push([partition, start, this.#keys.bytes(keyId).slice(), this.#acc.serialize(slot)]);
      }
    }
    return { partitions: [...this.#partitions].map(([p, w]) => [p, w.maxTimeMs]), windows };
  }

  /** Replaces the engine's state with a checkpoint's (a fresh engine only). */
  restore(c: EngineCheckpoint): void {
    if (this.#partitions.size > 0) throw new Error("restore() needs a fresh window engine (a ledge bug)");
    for (const [p, t] of c.partitions) this.#partitionWindows(p).maxTimeMs = t;
    for (const [p, start, key, bytes] of c.windows) {
      const keyId = this.#keys.intern(key, 0, key.length);
      const open = this.#partitionWindows(p).open;
      let byKey = open.get(start);
      if (!byKey) open.set(start, (byKey = new Map()));
      byKey.set(keyId, this.#acc.restore(bytes));
      this.#partitionWindows(p).openCount++;
    }
  }

  #partitionWindows(partition: number): PartitionWindows {
    let pw = this.#partitions.get(partition);
    if (!pw) this.#partitions.set(partition, (pw = { maxTimeMs: -Infinity, openCount: 0, open: new Map() }));
    return pw;
  }

  #lastOpen: Map<number, Map<number, number>> | undefined;
  #lastStart = NaN;
  #lastByKey: Map<number, number> | undefined;

  #slotFor(pw: PartitionWindows, start: number, keyId: number): number {
    let byKey = this.#lastByKey;
    if (start !== this.#lastStart || pw.open !== this.#lastOpen || byKey === undefined) {
      byKey = pw.open.get(start);
      if (!byKey) pw.open.set(start, (byKey = new Map()));
      this.#lastOpen = pw.open;
      this.#lastStart = start;
      this.#lastByKey = byKey;
    }
    let slot = byKey.get(keyId);
    if (slot === undefined) {
      byKey.set(keyId, (slot = this.#acc.allocate()));
      pw.openCount++;
    }
    return slot;
  }

  /** How many of the record's still-open windows [first .. last] would be new for this key. */
  #missing(pw: PartitionWindows, first: number, last: number, keyId: number, watermark: number): number {
    let n = 0;
    for (let s = first; s <= last; s += this.#advanceMs) {
      if (s + this.#sizeMs > watermark && pw.open.get(s)?.has(keyId) !== true) n++;
    }
    return n;
  }

  #emit(partition: number, start: number, keyId: number, slot: number): void {
    const end = start + this.#sizeMs;
    const key = this.#keys.string(keyId);
    const value = renderResult(this.config, key, start, end, this.#acc.read(slot), slot, this.#acc);
    this.#acc.release(slot);
    this.#out.results.push({ partition, key: this.#keys.bytes(keyId).slice(), value: utf8.encode(value), timestampMs: end });
    this.counts.windowsEmitted++;
  }

  #late(bf: BatchFields, partition: number, i: number, watermark: number): void {
    this.counts.late++;
    this.#out.late.push(sourceRecord(bf, partition, i, lateReason(bf.timeMs[i], watermark)));
  }

  #dlq(bf: BatchFields, partition: number, i: number, reason: string): void {
    this.counts.dlq++;
    this.#out.dlq.push(sourceRecord(bf, partition, i, reason));
  }

  /** Keys no open window holds are forgotten once they are most of the table (the table never shrinks otherwise). */
  #compactKeys(): void {
    if (this.#keys.count < 4096 || this.#keys.count < 4 * this.#acc.liveCount) return;
    const keys = new KeyTable();
    for (const pw of this.#partitions.values()) {
      const open = new Map<number, Map<number, number>>();
      for (const [start, byKey] of pw.open) {
        const next = new Map<number, number>();
        for (const [keyId, slot] of byKey) {
          const bytes = this.#keys.bytes(keyId);
          next.set(keys.intern(bytes, 0, bytes.length), slot);
        }
        open.set(start, next);
      }
      pw.open = open;
    }
    this.#keys = keys;
    this.#lastByKey = undefined;
    this.#reader = new FieldReader(this.config, keys);
    // Key ids changed: the fused kernel's caches start over.
    this.#folder?.dispose();
    this.#folder = createFolder(this.config, this.#acc, (put) => this.#eachOpenWindow(put));
  }
}

/** The source record as it was (key, value), with the reason and its origin in headers. */
function sourceRecord(bf: BatchFields, partition: number, i: number, reason: string): OutRecord {
  const c = bf.cols;
  const view = (at: number, length: number) => (length < 0 ? null : c.records.slice(at, at + length));
  const timestampMs = c.header.logAppendTime ? c.header.maxTimestampMs : c.header.baseTimestampMs + c.timestampDeltaMs[i];
  return outRecord(partition, view(c.keyPosition[i], c.keyLength[i]), view(c.valuePosition[i], c.valueLength[i]), timestampMs, c.header.baseOffset + c.offsetDelta[i], reason);
}

function outRecord(partition: number, key: Uint8Array | null, value: Uint8Array | null, timestampMs: number, offset: number, reason: string): OutRecord {
  return {
    partition, key, value, timestampMs,
    headers: [
      { key: "reason", value: utf8.encode(reason) },
      { key: "offset", value: utf8.encode(String(offset)) },
    ],
  };
}

function lateReason(timeMs: number, watermarkMs: number): string {
  return `late: event time ${timeMs} falls only in windows that closed at watermark ${watermarkMs}`;
}

/** Key order for emission: by UTF-16 code units, as JS compares strings (stable across runs). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

