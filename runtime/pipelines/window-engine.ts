// The window engine of one pipeline: stored batches in, window results out. Tumbling and hopping
// windows with emit: final go through the fused kernel (batch-fields.ts createFolder): one wasm
// call per batch decodes, extracts, keys and folds, opening windows from slots set aside here,
// and comes back only for a new group key or when those run out. Otherwise, per batch, record
// decode and field extraction run in wasm (batch-fields.ts), the window type assigns each record
// its windows (host-side bookkeeping: windows-aligned.ts, windows-session.ts, windows-count.ts,
// windows-sliding.ts), and one wasm call folds the values into the open windows' accumulators
// (runtime/core WindowAccumulators). Only emitted windows become objects.
//
// Time: event time (the `time` field, else the record timestamp). Windows are kept per source
// partition, each with its own watermark: the largest event time that partition has delivered,
// minus grace. Each window type says when a record is late and when a window closes; in all, a
// closed window never receives another record, and results depend only on each partition's own
// order of stored batches — the same whatever order partitions are read in, which is what
// exactly-once replay after a crash needs — so an idle partition holds back no other. A group key
// whose records span partitions gets one result per partition and window: key the source by the
// group key (MQTT ingest keys records by topic, so topic levels and fields of the topic are).
import type { BatchFolder, ListedRecord, RecordHeader } from "../core/index.ts";
import { FoldListed, FoldStop, WindowAccumulators } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import { createFolder, FieldReader, listedReason, type BatchFields } from "./batch-fields.ts";
import { KeyTable } from "./key-table.ts";
import { quantileFractions, resultBytesMax, resultTemplate, writeResult, type ResultTemplate } from "./results.ts";
import { boundReason, lateReason, type EngineCheckpoint, type EngineCounts, type WindowHost, type WindowKind } from "./window-kind.ts";
import { AlignedWindows } from "./windows-aligned.ts";
import { CountWindows } from "./windows-count.ts";
import { SessionWindows } from "./windows-session.ts";
import { SlidingWindows } from "./windows-sliding.ts";

export type { EngineCheckpoint, EngineCounts } from "./window-kind.ts";

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

const utf8 = new TextEncoder();
/** Slots set aside for the fused kernel to open windows with. */
const FREE_SLOTS = 256;

function windowKind(config: PipelineConfig): WindowKind {
  switch (config.window.type) {
    case "tumbling":
    case "hopping": return new AlignedWindows(config);
    case "session": return new SessionWindows(config);
    case "count": return new CountWindows(config);
    case "sliding": return new SlidingWindows(config);
  }
}

export class WindowEngine implements WindowHost {
  readonly config: PipelineConfig;
  readonly counts: EngineCounts = { events: 0, windowsEmitted: 0, late: 0, dlq: 0 };
  readonly updates: boolean;
  readonly acc: WindowAccumulators;
  readonly #kind: WindowKind;
  #keys = new KeyTable();
  #reader: FieldReader;
  /** The fused kernel and the aligned windows it feeds, when the pipeline allows it (else the column path). */
  #folder: BatchFolder | null = null;
  #aligned: AlignedWindows | null = null;
  #out: EngineOutputs = { results: [], late: [], dlq: [] };
  /** Where results' keys and values are written: thousands of windows close at once. */
  #slab = new Slab();
  readonly #result: ResultTemplate;
  /** Empty slots set aside for the fused kernel (#offerSlots). */
  #freeSlots: number[] = [];
  /** Records queued for folding: entry e feeds slot #slots[e] with record #records[e] of #batch. */
  #slots = new Int32Array(1024);
  #records = new Int32Array(1024);
  #entries = 0;
  #batch: BatchFields | undefined;

  constructor(config: PipelineConfig) {
    this.config = config;
    this.updates = config.emit === "update";
    this.#reader = new FieldReader(config, this.#keys);
    this.acc = new WindowAccumulators(config.fields.length, { quantiles: quantileFractions(config).length > 0 });
    this.#result = resultTemplate(config);
    this.#kind = windowKind(config);
    this.#startFolder();
  }

  /** The smallest partition watermark (−Infinity before any record): what watermark lag reports. */
  get watermarkMs(): number {
    return this.#kind.watermarkMs;
  }

  /** Windows open now. */
  get openWindowCount(): number {
    return this.#kind.openCount;
  }

  /** Folds one stored (committed, non-control) batch of source partition `partition`. */
  processBatch(partition: number, batch: Uint8Array): void {
    if (this.#folder && this.#aligned) {
      this.#processFused(this.#folder, this.#aligned, partition, batch);
      return;
    }
    const bf = this.#reader.read(batch);
    this.#batch = bf;
    this.#entries = 0;
    this.#kind.assign(partition, bf, this);
    this.flush();
    this.#batch = undefined;
    if (this.updates) this.#kind.emitChanged(this);
    for (const r of bf.rejected) this.dlq(bf, partition, r.index, r.reason);
  }

  /** Closes the windows that are due (emit: final writes their results), by partition, in each window type's order. */
  closeDue(): void {
    const before = this.counts.windowsEmitted;
    const open = this.#kind.openCount;
    this.#kind.closeDue(this);
    if (this.counts.windowsEmitted !== before || this.#kind.openCount !== open) this.#compactKeys();
  }

  /** Gives the engine's wasm memory (its sketches) back for reuse; the engine is dead after. */
  close(): void {
    this.#folder?.dispose();
    this.acc.dispose();
  }

  /** Takes the outputs produced since the last take. */
  take(): EngineOutputs {
    const out = this.#out;
    this.#out = { results: [], late: [], dlq: [] };
    return out;
  }

  checkpoint(): EngineCheckpoint {
    return this.#kind.checkpoint(this);
  }

  /** Replaces the engine's state with a checkpoint's (a fresh engine only). */
  restore(c: EngineCheckpoint): void {
    if (this.#kind.openCount > 0 || Number.isFinite(this.#kind.watermarkMs)) throw new Error("restore() needs a fresh window engine (a ledge bug)");
    this.#kind.restore(c, this);
    // The restored windows are open: the fused kernel's window cache must hold them.
    this.#folder?.dispose();
    this.#startFolder();
  }

  // WindowHost: what the window types call back.

  feed(slot: number, record: number): void {
    if (this.#entries === this.#slots.length) {
      this.#slots = grown(this.#slots);
      this.#records = grown(this.#records);
    }
    this.#slots[this.#entries] = slot;
    this.#records[this.#entries++] = record;
  }

  flush(): void {
    const bf = this.#batch;
    if (bf === undefined || this.#entries === 0) return;
    this.acc.feed(this.#slots, this.#records, this.#entries, bf.timeMs, bf.values, bf.count);
    this.#entries = 0;
  }

  result(partition: number, keyId: number, startMs: number, endMs: number, slot: number): void {
    const keys = this.#keys;
    const slab = this.#slab;
    const keyLength = keys.length(keyId);
    const out = slab.room(keyLength + resultBytesMax(this.#result, keyLength));
    const keyAt = slab.at;
    const valueAt = keys.copyInto(keyId, out, keyAt);
    const end = writeResult(this.#result, out, valueAt, keys, keyId, keyAt, startMs, endMs, slot, this.acc);
    this.#out.results.push({ partition, key: slab.take(valueAt), value: slab.take(end), timestampMs: endMs });
    this.counts.windowsEmitted++;
  }

  late(bf: BatchFields, partition: number, i: number, reason: string): void {
    this.counts.late++;
    this.#out.late.push(sourceRecord(bf, partition, i, reason));
  }

  dlq(bf: BatchFields, partition: number, i: number, reason: string): void {
    this.counts.dlq++;
    this.#out.dlq.push(sourceRecord(bf, partition, i, reason));
  }

  compareKeys(a: number, b: number): number {
    return this.#keys.compare(a, b);
  }

  sortKeys(ids: number[]): void {
    this.#keys.sort(ids);
  }

  keyBytes(keyId: number): Uint8Array {
    return this.#keys.bytes(keyId);
  }

  internKey(bytes: Uint8Array): number {
    return this.#keys.intern(bytes, 0, bytes.length);
  }

  /** Keys no open window holds are forgotten once they are most of the table (the table never shrinks otherwise). */
  #compactKeys(): void {
    if (this.#keys.count < 4096 || this.#keys.count < 4 * this.#kind.openCount) return;
    const keys = new KeyTable();
    const ids = new Map<number, number>();
    for (const id of this.#kind.keyIds()) {
      if (ids.has(id)) continue;
      const bytes = this.#keys.bytes(id);
      ids.set(id, keys.intern(bytes, 0, bytes.length));
    }
    this.#kind.remapKeys((id) => ids.get(id)!);
    this.#keys = keys;
    this.#reader = new FieldReader(this.config, keys);
    // Key ids changed: the fused kernel's caches start over.
    this.#folder?.dispose();
    this.#startFolder();
  }

  /**
   * Tops up the slots set aside for the fused kernel to open windows with: a new window then costs
   * no stop (1,000 devices open 1,000 windows at every window boundary), only every FREE_SLOTS.
   */
  #offerSlots(folder: BatchFolder, aligned: AlignedWindows, partition: number): void {
    while (this.#freeSlots.length < FREE_SLOTS) this.#freeSlots.push(this.acc.allocate());
    folder.offerSlots(this.#freeSlots, aligned.openRoom(partition));
  }

  /** Takes the windows the kernel opened as open; the slots it did not use stay set aside. */
  #adoptOpened(folder: BatchFolder, aligned: AlignedWindows, partition: number): void {
    this.#freeSlots.length = folder.takeOpened((start, keyId, slot) => aligned.adopt(partition, start, keyId, slot));
  }

  #startFolder(): void {
    this.#aligned = this.#kind instanceof AlignedWindows ? this.#kind : null;
    this.#folder = this.#aligned ? createFolder(this.config, this.acc, (put) => this.#aligned!.eachOpen(put)) : null;
  }

  /** processBatch through the fused kernel: the aligned windows' rules, the host asked only for new keys and windows. */
  #processFused(folder: BatchFolder, aligned: AlignedWindows, partition: number, batch: Uint8Array): void {
    folder.begin(batch, partition, aligned.maxTimeMs(partition));
    this.#offerSlots(folder, aligned, partition);
    for (let stop = folder.run(); ; stop = folder.run()) {
      this.#adoptOpened(folder, aligned, partition);
      if (stop === FoldStop.done) break;
      this.#offerSlots(folder, aligned, partition);
      if (stop === FoldStop.newKey) {
        folder.putKey(this.internKey(folder.keyBytes()));
        continue;
      }
      // A record whose windows are not all in the kernel's cache: open what is missing.
      const keyId = folder.keyId;
      const opened = aligned.open(partition, folder.timeMs, keyId, folder.maxTimeMs, this, (start, slot) => folder.putWindow(start, keyId, slot));
      if (!opened) {
        // Past openWindowCountMax: the record goes whole to the dead-letter topic; its time still moves the watermark.
        const r = folder.stoppedRecord();
        folder.skip(Math.max(folder.maxTimeMs, folder.timeMs));
        this.counts.dlq++;
        this.#out.dlq.push(listedRecord(partition, r, boundReason(this.config, partition, "shorter windows")));
      }
    }
    aligned.setMaxTimeMs(partition, folder.maxTimeMs);
    this.counts.events += folder.events;
    for (const r of folder.listed()) {
      if (r.what === FoldListed.late) {
        this.counts.late++;
        this.#out.late.push(listedRecord(partition, r, lateReason(r.timeMs, r.watermarkMs, "falls only in windows that closed")));
      } else {
        this.counts.dlq++;
        this.#out.dlq.push(listedRecord(partition, r, listedReason(this.config, r)));
      }
    }
  }
}

/**
 * Bytes carved from shared 64 KiB buffers, so that a result's key and value cost no allocation of
 * their own (a buffer each was a malloc and a free per result). A carved view keeps its buffer
 * alive: these are short-lived, written to the output topic and dropped.
 */
class Slab {
  static readonly BYTES = 64 * 1024;
  #buffer = new Uint8Array(Slab.BYTES);
  /** Where the free tail starts. */
  at = 0;

  /** The buffer to write at `at`, with at least `bytes` free there (a new one when this one has less left). */
  room(bytes: number): Uint8Array {
    if (this.at + bytes > this.#buffer.length) {
      this.#buffer = new Uint8Array(Math.max(Slab.BYTES, bytes));
      this.at = 0;
    }
    return this.#buffer;
  }

  /** Carves what was written from `at` to `end`. */
  take(end: number): Uint8Array {
    const out = this.#buffer.subarray(this.at, end);
    this.at = end;
    return out;
  }
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** The source record as it was (key, value), with the reason and its origin in headers. */
function sourceRecord(bf: BatchFields, partition: number, i: number, reason: string): OutRecord {
  const c = bf.cols;
  const view = (at: number, length: number) => (length < 0 ? null : c.records.slice(at, at + length));
  const timestampMs = c.header.logAppendTime ? c.header.maxTimestampMs : c.header.baseTimestampMs + c.timestampDeltaMs[i];
  return outRecord(partition, view(c.keyPosition[i], c.keyLength[i]), view(c.valuePosition[i], c.valueLength[i]), timestampMs, c.header.baseOffset + c.offsetDelta[i], reason);
}

/** sourceRecord for a record the fused kernel listed. */
function listedRecord(partition: number, r: ListedRecord, reason: string): OutRecord {
  return outRecord(partition, r.key, r.value, r.timestampMs, r.offset, reason);
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
