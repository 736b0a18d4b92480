// Reads whole stored batches, and finds offsets by timestamp through the sparse time index.
import { batchKey, partitionBounds, timeKey, timeKeyParts, TIME_KEY_BYTES } from "./keys.ts";
import { readBaseOffset, readMaxTimestampMs, readNextOffset } from "../core/index.ts";
import { firstRecordAtOrAfter } from "./record-timestamps.ts";
import type { LogTables } from "./lmdb-env.ts";
import type { Partition } from "./partition.ts";
import { LogError } from "./errors.ts";
import type { ReadResult } from "./types.ts";
import type { RecentBatches } from "./recent-batches.ts";
import { placeBatch } from "./read-result.ts";

/** The end of a reverse scan that still includes the batch at base offset 0: range ends are
 * exclusive, and the bare (topic, partition) prefix sorts just before every key under it. */
function belowPartition(p: Partition): Buffer {
  return batchKey(p.topic.id, p.index, 0).subarray(0, 8);
}

/**
 * Whole batches from the one holding `offset`, up to maxBytes but always at least one, and none
 * at or past `endOffset` (the high watermark; a read_committed reader will pass the last stable
 * offset, #11). Each batch is a new Buffer, or, with `into`, a view into it: copied there from
 * LMDB without an allocation per batch (a busy consumer otherwise drives V8's collector with
 * ~1 MB Buffers). Batches that do not fit in `into` end the read; a first batch larger than
 * `into` comes back in a Buffer of its own. The tail comes from `recent` when it holds it.
 */
export function readBatches(tables: LogTables, recent: RecentBatches, p: Partition, offset: number, maxBytes: number, into?: Uint8Array, endOffset = p.highWatermark): ReadResult {
  const hwm = p.highWatermark;
  const out: ReadResult = { batches: [], totalBytes: 0, highWatermark: hwm, logStartOffset: p.logStartOffset };
  if (!Number.isSafeInteger(offset) || offset < p.logStartOffset || offset > hwm) {
    throw new LogError("LEDGE_ERR_OFFSET_OUT_OF_RANGE", `offset ${offset} of ${p.topic.name}/${p.index} is outside [${p.logStartOffset}, ${hwm}]`);
  }
  if (offset >= endOffset || recent.collect(p, offset, endOffset, maxBytes, into, out)) return out;
  const end = batchKey(p.topic.id, p.index, endOffset);
  // Sequential readers ask for a batch's base offset, so start there; when the first batch
  // found starts later, `offset` lies inside the batch before it: start again from that one.
  const collect = into ? collectInto : collectCopies;
  collect(tables, out, batchKey(p.topic.id, p.index, offset), end, maxBytes, into!);
  if (out.batches.length === 0 || readBaseOffset(out.batches[0]) > offset) {
    // Only a batch that holds `offset` replaces what was found: below a compaction gap the
    // floor batch ends before it, and the next batch (or nothing yet) is the answer.
    const floor = floorKey(tables, p, offset, null);
    if (floor && floorHolds(tables, floor, offset)) {
      out.batches.length = 0;
      out.totalBytes = 0;
      collect(tables, out, floor, end, maxBytes, into!);
    }
  }
  return out;
}

function collectCopies(tables: LogTables, out: ReadResult, start: Buffer, end: Buffer, maxBytes: number): void {
  for (const { value } of tables.batches.getRange({ start, end })) {
    if (!placeBatch(out, value, maxBytes, undefined, true)) break;
  }
}

function collectInto(tables: LogTables, out: ReadResult, start: Buffer, end: Buffer, maxBytes: number, into: Uint8Array): void {
  for (const key of tables.batches.getKeys({ start, end })) {
    // lmdb-js's shared read buffer, valid until the next get: its `length` is the value's,
    // its byteLength the whole shared buffer's (so Buffer#copy refuses it). Copied out at once.
    const shared = tables.batches.getBinaryFast(key);
    if (!shared) break; // removed by retention since the key was listed
    if (!placeBatch(out, new Uint8Array(shared.buffer, shared.byteOffset, shared.length), maxBytes, into, false)) break;
  }
}

/**
 * Calls `visit` with each stored batch from the one holding `offset` to the last one below
 * `endOffset`, until it returns false. Each batch is a view of lmdb-js's shared read buffer,
 * valid only during its call: nothing is copied out, for readers that need sizes or headers only.
 */
export function visitBatches(tables: LogTables, recent: RecentBatches, p: Partition, offset: number, endOffset: number, visit: (batch: Uint8Array) => boolean): void {
  if (offset >= endOffset || recent.visit(p, offset, endOffset, visit)) return;
  const floor = floorKey(tables, p, offset, null);
  const start = floor && floorHolds(tables, floor, offset) ? floor : batchKey(p.topic.id, p.index, offset);
  for (const key of tables.batches.getKeys({ start, end: batchKey(p.topic.id, p.index, endOffset) })) {
    const shared = tables.batches.getBinaryFast(key);
    if (!shared) return; // removed by retention since the key was listed
    if (!visit(new Uint8Array(shared.buffer, shared.byteOffset, shared.length))) return;
  }
}

/** Whether the batch stored under `key` ends at or after `offset`. */
function floorHolds(tables: LogTables, key: Buffer, offset: number): boolean {
  const value = tables.batches.getBinaryFast(key);
  return !!value && readNextOffset(value) > offset;
}

function floorKey<F>(tables: LogTables, p: Partition, offset: number, fallback: F): Buffer | F {
  for (const key of tables.batches.getKeys({ start: batchKey(p.topic.id, p.index, offset), end: belowPartition(p), reverse: true, limit: 1 })) {
    return Buffer.from(key);
  }
  return fallback;
}

/** The first record whose timestamp is >= timestampMs (its offset and timestamp), or null past the end. */
export function recordAtTimestamp(tables: LogTables, p: Partition, timestampMs: number): { offset: number; timestampMs: number } | null {
  let from = p.logStartOffset;
  if (timestampMs > 0) {
    // Index entries carry a running maximum, so the last entry below the target proves that
    // every batch up to it is older: scan from there, at most one index interval.
    const { start } = partitionBounds(p.topic.id, p.index, TIME_KEY_BYTES);
    const below = timeKey(p.topic.id, p.index, timestampMs - 1, Number.MAX_SAFE_INTEGER);
    for (const key of tables.times.getKeys({ start: below, end: start, reverse: true, limit: 1 })) {
      from = Math.max(from, timeKeyParts(key).baseOffset);
    }
  }
  if (from >= p.highWatermark) return null;
  let start = batchKey(p.topic.id, p.index, from);
  for (const key of tables.batches.getKeys({ start, end: belowPartition(p), reverse: true, limit: 1 })) {
    start = Buffer.from(key);
  }
  const end = batchKey(p.topic.id, p.index, p.highWatermark);
  for (const { value } of tables.batches.getRange({ start, end })) {
    if (readMaxTimestampMs(value) < timestampMs) continue;
    const last = { offset: readNextOffset(value) - 1, timestampMs: readMaxTimestampMs(value) };
    return firstRecordAtOrAfter(value, timestampMs) ?? last;
  }
  return null;
}
