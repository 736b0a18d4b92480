// Compaction for cleanup.policy=compact: keep the newest record per key, drop tombstones older
// than delete.retention.ms, and keep the offsets of the records that survive. A batch that loses
// records is rewritten by the wasm core; each run of consecutive surviving offsets becomes one
// batch whose base offset is the run's first offset (offset gaps are normal in compacted topics).
import { ATTRIBUTE_CONTROL, ATTRIBUTE_TRANSACTIONAL, readAttributes, decodeBatch, encodeBatch, type BatchHeader, type DecodedRecord, type RecordInput } from "../core/index.ts";
import { batchKey } from "./keys.ts";
import type { LogTables } from "./lmdb-env.ts";
import type { Partition } from "./partition.ts";
import { lastStableOffset } from "./partition-txns.ts";
import type { Txn } from "./txn.ts";

/** Distinct keys one compaction pass may track; a partition with more is left as it is. */
export const COMPACTION_KEYS_MAX = 1_000_000;

export interface CompactionOutcome {
  batchesRewritten: number;
  recordsRemoved: number;
  skipped?: string;
}

const keyOf = (r: DecodedRecord): string | null => (r.key ? Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength).toString("latin1") : null);

/**
 * The batches compaction works on: below the last stable offset, and never a transaction's
 * (data or marker). Those stay as written, so compaction cannot pick a record of an aborted
 * transaction as a key's newest, nor separate committed data from its marker.
 */
function* storedBatches(tables: LogTables, p: Partition): Generator<Uint8Array> {
  const start = batchKey(p.topic.id, p.index, p.logStartOffset);
  const end = batchKey(p.topic.id, p.index, lastStableOffset(p.open, p.highWatermark));
  for (const { value } of tables.batches.getRange({ start, end })) {
    if ((readAttributes(value) & (ATTRIBUTE_TRANSACTIONAL | ATTRIBUTE_CONTROL)) !== 0) continue;
    yield value;
  }
}

/** The newest offset of every key, or null when the partition has too many keys. */
function newestOffsets(tables: LogTables, p: Partition): Map<string, number> | null {
  const newest = new Map<string, number>();
  for (const bytes of storedBatches(tables, p)) {
    for (const r of decodeBatch(bytes).records) {
      const k = keyOf(r);
      if (k === null) continue;
      newest.set(k, r.offset);
      if (newest.size > COMPACTION_KEYS_MAX) return null;
    }
  }
  return newest;
}

/** Splits survivors into runs of consecutive offsets. */
function runs(records: DecodedRecord[]): DecodedRecord[][] {
  const out: DecodedRecord[][] = [];
  for (const r of records) {
    const last = out[out.length - 1];
    if (last && last[last.length - 1].offset + 1 === r.offset) last.push(r);
    else out.push([r]);
  }
  return out;
}

export function compactPartition(tables: LogTables, txn: Txn, p: Partition, nowMs: number): CompactionOutcome {
  const newest = newestOffsets(tables, p);
  if (!newest) return { batchesRewritten: 0, recordsRemoved: 0, skipped: `more than ${COMPACTION_KEYS_MAX} keys` };
  const tombstoneBeforeMs = nowMs - p.topic.settings.deleteRetentionMs;
  const outcome: CompactionOutcome = { batchesRewritten: 0, recordsRemoved: 0 };
  for (const bytes of storedBatches(tables, p)) {
    const { header, records } = decodeBatch(bytes);
    const keep = records.filter((r) => {
      const k = keyOf(r);
      if (k === null) return true;
      if (newest.get(k) !== r.offset) return false;
      return !(r.value === null && r.timestampMs < tombstoneBeforeMs);
    });
    if (keep.length === records.length) continue;
    // Encode every replacement before staging anything, so a failure leaves the batch as it is.
    const replacements = runs(keep).map((run) => rewrite(run, header));
    txn.removeBatch(p, header.baseOffset, bytes.byteLength);
    for (const r of replacements) txn.putBatch(p, r.baseOffset, r.bytes);
    outcome.batchesRewritten++;
    outcome.recordsRemoved += records.length - keep.length;
  }
  return outcome;
}

function rewrite(run: DecodedRecord[], header: BatchHeader): { baseOffset: number; bytes: Uint8Array } {
  const inputs: RecordInput[] = run.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestampMs: r.timestampMs }));
  const first = run[0].offset;
  const bytes = encodeBatch(inputs, {
    compression: header.compression,
    baseOffset: first,
    partitionLeaderEpoch: 0,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence >= 0 ? header.baseSequence + (first - header.baseOffset) : -1,
  });
  return { baseOffset: first, bytes };
}
