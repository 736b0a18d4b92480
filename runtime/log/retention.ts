// Deleting whole batches from the head of partitions: retention.ms / retention.bytes (never
// below the bridge's protected offset) and the storage.maxBytes cap (drop-oldest, which may go
// below it, and says so). Deletions are staged in the commit's transaction.
import { batchKey, partitionBounds, timeKeyParts, TIME_KEY_BYTES } from "./keys.ts";
import { readBaseOffset, readLastOffsetDelta, readMaxTimestampMs, readRecordCount } from "../core/index.ts";
import type { LogTables } from "./lmdb-env.ts";
import type { Partition, Topic } from "./partition.ts";
import type { Txn } from "./txn.ts";

export interface HeadBatch {
  baseOffset: number;
  lastOffset: number;
  maxTimestampMs: number;
  byteLength: number;
  recordCount: number;
}

/** Batches of a partition from its log start, read lazily in offset order. */
export function* headBatches(tables: LogTables, p: Partition): Generator<HeadBatch> {
  const start = batchKey(p.topic.id, p.index, p.logStartOffset);
  const end = batchKey(p.topic.id, p.index, p.nextOffset);
  for (const { value } of tables.batches.getRange({ start, end })) {
    const baseOffset = readBaseOffset(value);
    const lastOffsetDelta = readLastOffsetDelta(value);
    yield {
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      maxTimestampMs: readMaxTimestampMs(value),
      byteLength: value.byteLength,
      recordCount: readRecordCount(value),
    };
  }
}

function removeHead(txn: Txn, p: Partition, b: HeadBatch): void {
  txn.removeBatch(p, b.baseOffset, b.byteLength);
  p.logStartOffset = b.lastOffset + 1;
  txn.pruneAborted(p);
}

/** Applies retention.ms and retention.bytes to one partition; returns batches removed. */
export function retainPartition(tables: LogTables, txn: Txn, p: Partition, nowMs: number, budget: number): number {
  const { retentionMs, retentionBytes, cleanupPolicy } = p.topic.settings;
  if (cleanupPolicy === "compact") return 0;
  if (retentionMs < 0 && retentionBytes < 0) return 0;
  let removed = 0;
  for (const b of headBatches(tables, p)) {
    if (removed >= budget) break;
    const isProtected = p.protectedOffset >= 0 && b.lastOffset >= p.protectedOffset;
    const expired = retentionMs >= 0 && b.maxTimestampMs < nowMs - retentionMs;
    const oversize = retentionBytes >= 0 && p.bytes > retentionBytes;
    if (isProtected || !(expired || oversize)) break;
    removeHead(txn, p, b);
    removed++;
  }
  if (p.bytes === 0 && removed > 0) p.logStartOffset = p.nextOffset;
  return removed;
}

/** Removes time-index entries below log start (bounded); lookups clamp to log start anyway. */
export function trimTimeIndex(tables: LogTables, txn: Txn, p: Partition, budget: number): void {
  const { start, end } = partitionBounds(p.topic.id, p.index, TIME_KEY_BYTES);
  let n = 0;
  for (const key of tables.times.getKeys({ start, end })) {
    if (n++ >= budget || timeKeyParts(key).baseOffset >= p.logStartOffset) break;
    txn.removeTimeEntry(p, Buffer.from(key));
  }
}

export interface Dropped {
  partition: Partition;
  firstOffset: number;
  lastOffset: number;
  records: number;
  bytes: number;
  unreplicated: number;
}

/** storage.maxBytes with overflow drop-oldest: removes the oldest batches anywhere until
 *  `needBytes` are free. Returns what was dropped, per partition. */
export function dropOldest(tables: LogTables, txn: Txn, topics: Iterable<Topic>, needBytes: number, stepsMax: number): Dropped[] {
  const byPartition = new Map<Partition, Dropped>();
  let freed = 0;
  for (let step = 0; step < stepsMax && freed < needBytes; step++) {
    let oldest: { p: Partition; b: HeadBatch } | undefined;
    for (const t of topics) {
      for (const p of t.partitions) {
        if (p.bytes === 0) continue;
        const batches = headBatches(tables, p);
        const first = batches.next();
        batches.return(undefined); // closes the LMDB range: an open one holds a reader slot (MDB_READERS_FULL)
        if (first.done) continue;
        if (!oldest || first.value.maxTimestampMs < oldest.b.maxTimestampMs) oldest = { p, b: first.value };
      }
    }
    if (!oldest) break;
    const { p, b } = oldest;
    removeHead(txn, p, b);
    freed += b.byteLength;
    const d = byPartition.get(p) ?? { partition: p, firstOffset: b.baseOffset, lastOffset: b.lastOffset, records: 0, bytes: 0, unreplicated: 0 };
    d.lastOffset = b.lastOffset;
    d.records += b.recordCount;
    d.bytes += b.byteLength;
    if (p.protectedOffset >= 0 && b.lastOffset >= p.protectedOffset) d.unreplicated += b.recordCount;
    byPartition.set(p, d);
  }
  return [...byPartition.values()];
}
