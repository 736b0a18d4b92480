// `ledge verify`: reads every stored batch of every partition and checks what the log relies on.
// Reads from one LMDB read transaction, so every read sees one snapshot: the meta table and the
// data it describes were written in the same transactions. The process that holds the data
// directory runs it (owner.ts): `ledge verify` itself when nothing else has the log open, else
// the running ledge, in its own process, pausing every few thousand batches so it keeps serving.
//
// Per batch: the log's read-back check (stored-batch.ts readBack: length and CRC-32C, the paired
// check of the CRC runtime/core computed on the way in, magic, the key's offset against the
// header's), then offsets in order with no overlap (and no gap, except in compacted topics),
// inside [log start, next offset).
// Per partition: the meta table's log start, next offset and byte count against the batches.
import { existsSync } from "node:fs";
import type { Transaction } from "lmdb";
import { batchKeyParts } from "./keys.ts";
import { closeTables, logFile, openTables, type LogTables } from "./lmdb-env.ts";
import { metaKeys, type Partition } from "./partition.ts";
import { readBack } from "./stored-batch.ts";
import { loadTopics } from "./topics.ts";

/** What is wrong, and where: `offset` is the batch's (absent when the partition as a whole is). */
export interface VerifyProblem {
  topic: string;
  partition: number;
  offset?: number;
  what: string;
}

export interface PartitionSummary {
  topic: string;
  partition: number;
  batches: number;
  records: number;
  bytes: number;
  /** First offset of the first stored batch and last offset of the last one; null when empty. */
  firstOffset: number | null;
  lastOffset: number | null;
  /** What the meta table records for the partition. */
  meta: { logStartOffset: number; nextOffset: number; bytes: number };
  /** cleanup.policy includes compact: offset gaps between batches are normal. */
  compacted: boolean;
  /** The first problem found in this partition. */
  problem?: VerifyProblem;
}

export interface VerifyReport {
  partitions: PartitionSummary[];
  /** Batches of deleted topics whose background removal has not finished (not an error). */
  batchesAwaitingRemoval: number;
  /** The first problem in key order (topic id, partition, offset); undefined when all is well. */
  problem?: VerifyProblem;
}

interface Walk {
  p: Partition;
  s: PartitionSummary;
}

/** Batches checked between pauses that let the event loop run (a running ledge verifying itself). */
const BATCHES_PER_TURN = 2_000;

/**
 * Verifies the log in `dataDir`, which no process has open (the caller holds the directory:
 * owner.ts); throws when there is no log there to open.
 */
export async function verifyLog(dataDir: string): Promise<VerifyReport> {
  if (!existsSync(logFile(dataDir))) {
    throw new Error(`no ledge log at ${logFile(dataDir)}; pass the data directory ledge runs with (--data-dir)`);
  }
  const tables = openTables(dataDir, 0, "read-only");
  try {
    return await verifyTables(tables);
  } finally {
    await closeTables(tables);
  }
}

/** Verifies the log through tables already open (the running ledge's own), from one snapshot. */
export async function verifyTables(tables: LogTables): Promise<VerifyReport> {
  const transaction = tables.env.useReadTransaction();
  try {
    return await walk(tables, transaction);
  } finally {
    transaction.done();
  }
}

async function walk(tables: LogTables, transaction: Transaction): Promise<VerifyReport> {
  const topics = [...loadTopics(tables.meta, 0, transaction).values()]; // a read-only walk parks no readers
  const walks = new Map<number, Walk[]>();
  for (const topic of topics) walks.set(topic.id, topic.partitions.map((p) => ({ p, s: summaryOf(p) })));
  const report: VerifyReport = { partitions: [], batchesAwaitingRemoval: 0 };
  const note = (s: PartitionSummary | undefined, problem: VerifyProblem) => {
    if (s && !s.problem) s.problem = problem;
    report.problem ??= problem;
  };
  let sincePause = 0;
  for (const { key, value } of tables.batches.getRange({ transaction })) {
    if (++sincePause === BATCHES_PER_TURN) {
      sincePause = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { topicId, partition, baseOffset } = batchKeyParts(key);
    const parts = walks.get(topicId);
    if (!parts) {
      if (tables.meta.get(metaKeys.deletedTopic(topicId), { transaction }) !== undefined) report.batchesAwaitingRemoval++;
      else note(undefined, { topic: `(topic id ${topicId}, in no topic of the meta table)`, partition, offset: baseOffset, what: "a stored batch of a topic the meta table does not know" });
      continue;
    }
    const w = parts[partition];
    if (!w) {
      note(undefined, { topic: parts[0].s.topic, partition, offset: baseOffset, what: `a stored batch of a partition beyond the topic's ${parts.length}` });
      continue;
    }
    const what = checkBatch(w.s, baseOffset, value);
    if (what) note(w.s, { topic: w.s.topic, partition, offset: baseOffset, what });
  }
  for (const parts of walks.values()) {
    for (const { s } of parts) {
      const what = checkCounts(s);
      if (what) note(s, { topic: s.topic, partition: s.partition, what });
      report.partitions.push(s);
    }
  }
  return report;
}

function summaryOf(p: Partition): PartitionSummary {
  return {
    topic: p.topic.name, partition: p.index, batches: 0, records: 0, bytes: 0, firstOffset: null, lastOffset: null,
    meta: { logStartOffset: p.logStartOffset, nextOffset: p.nextOffset, bytes: p.bytes },
    compacted: p.topic.settings.cleanupPolicy !== "delete",
  };
}

/** Checks one stored batch (readBack, stored-batch.ts) and that it follows the previous one;
 * returns what is wrong, if anything. */
function checkBatch(s: PartitionSummary, keyOffset: number, bytes: Uint8Array): string | undefined {
  const { header, problem } = readBack(keyOffset, bytes);
  if (header === undefined) return problem;
  const previousLast = s.lastOffset;
  const lastOffset = header.baseOffset + header.lastOffsetDelta;
  s.batches++;
  s.records += header.recordCount;
  s.bytes += bytes.byteLength;
  s.firstOffset ??= header.baseOffset;
  s.lastOffset = Math.max(lastOffset, previousLast ?? lastOffset);
  if (problem !== undefined) return problem;
  if (previousLast === null) {
    if (header.baseOffset < s.meta.logStartOffset) return `it lies below the log start offset ${s.meta.logStartOffset} of the meta table`;
    if (!s.compacted && header.baseOffset !== s.meta.logStartOffset) return `the meta table's log start offset is ${s.meta.logStartOffset}, but the first stored batch starts at ${header.baseOffset}`;
  } else if (header.baseOffset <= previousLast) {
    return `it overlaps the previous batch, which ends at offset ${previousLast}`;
  } else if (!s.compacted && header.baseOffset !== previousLast + 1) {
    return `offsets ${previousLast + 1}..${header.baseOffset - 1} are missing before it (the previous batch ends at ${previousLast})`;
  }
  if (lastOffset >= s.meta.nextOffset) return `it ends at offset ${lastOffset}, at or past the meta table's next offset ${s.meta.nextOffset}`;
  return undefined;
}

/** The meta table's counts against what the walk found. */
function checkCounts(s: PartitionSummary): string | undefined {
  const { logStartOffset, nextOffset, bytes } = s.meta;
  if (bytes !== s.bytes) return `the meta table counts ${bytes} stored bytes, the batches hold ${s.bytes}`;
  if (s.compacted) return undefined;
  if (s.lastOffset === null) {
    if (logStartOffset !== nextOffset) return `no batch is stored, but the meta table says offsets ${logStartOffset}..${nextOffset - 1} are`;
  } else if (s.lastOffset + 1 !== nextOffset) {
    return `the meta table's next offset is ${nextOffset}, but the last stored batch ends at ${s.lastOffset}`;
  }
  return undefined;
}
