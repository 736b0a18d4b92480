// In-memory state of topics and partitions. The persisted copy (meta table) is rewritten in the
// same transaction as every append or deletion, so start-up reads it instead of scanning data.
import type { ProducerEntry } from "./producer-state.ts";
import { loadOpenTxns, persistOpenTxns, type AbortedTxn, type OpenTxn, type PersistedOpenTxns } from "./partition-txns.ts";
import type { TopicSettings } from "./topic-config.ts";
import { PartitionWaiters } from "./waiters.ts";
import type { CounterSeries } from "../metrics/index.ts";

/** Producer entries cached per partition; the rest stay in LMDB and are loaded on demand. */
export const PRODUCER_CACHE_COUNT_MAX = 1024;

/**
 * A partition's record in the meta table (`p/<topicId>/<partition>`), rewritten in the same LMDB
 * transaction as every append or deletion that changes it, open transactions included, so they
 * stay exact with the data (aborted ones are entries of their own: partition-txns.ts).
 */
export interface PersistedPartition {
  logStartOffset: number;
  nextOffset: number;
  bytes: number;
  /** The bridge's "protected from" offset; -1 when nothing is protected. */
  protectedOffset: number;
  /** Running maximum of batch timestamps: keeps the time index monotonic across restarts. */
  indexedMaxTimestampMs: number;
  /** Kafka transactions open on this partition; absent when none. */
  openTxns?: PersistedOpenTxns;
}

export interface PersistedTopic {
  id: number;
  partitions: number;
  config: Record<string, string>;
}

export interface Topic {
  readonly id: number;
  readonly name: string;
  config: Record<string, string>;
  settings: TopicSettings;
  partitions: Partition[];
  deleted: boolean;
  /** log.waiterCountPerPartitionMax: readers each partition parks at most. */
  readonly waiterCountMax: number;
}

export interface Partition extends PersistedPartition {
  readonly topic: Topic;
  readonly index: number;
  /** Offsets below this are durable and visible to readers. */
  highWatermark: number;
  /** Bytes appended since the last time-index entry. */
  indexBytesPending: number;
  readonly producers: Map<number, ProducerEntry>;
  readonly waiters: PartitionWaiters;
  /** Transactions open on it (see partition-txns.ts); replaced, never mutated in place. */
  open: OpenTxn[];
  /** Aborted transactions not yet below the log start, in marker order. */
  aborted: AbortedTxn[];
  /** Its ledge_records_in_total series, made at its first append (counters.ts). */
  recordsIn?: CounterSeries;
}

export function newPartition(topic: Topic, index: number, stored?: PersistedPartition, aborted: AbortedTxn[] = []): Partition {
  const s = stored ?? { logStartOffset: 0, nextOffset: 0, bytes: 0, protectedOffset: -1, indexedMaxTimestampMs: 0 };
  return {
    topic, index,
    logStartOffset: s.logStartOffset, nextOffset: s.nextOffset, bytes: s.bytes,
    protectedOffset: s.protectedOffset, indexedMaxTimestampMs: s.indexedMaxTimestampMs,
    highWatermark: s.nextOffset,
    indexBytesPending: Number.POSITIVE_INFINITY, // first append after start writes an index entry
    producers: new Map(), waiters: new PartitionWaiters(topic.waiterCountMax, `${topic.name}/${index}`),
    open: loadOpenTxns(s.openTxns), aborted,
  };
}

export function persisted(p: Partition): PersistedPartition {
  const record: PersistedPartition = {
    logStartOffset: p.logStartOffset, nextOffset: p.nextOffset, bytes: p.bytes,
    protectedOffset: p.protectedOffset, indexedMaxTimestampMs: p.indexedMaxTimestampMs,
  };
  const openTxns = persistOpenTxns(p.open);
  if (openTxns) record.openTxns = openTxns;
  return record;
}

export const metaKeys = {
  topic: (name: string) => `t/${name}`,
  topicPrefix: "t/",
  partition: (topicId: number, index: number) => `p/${topicId}/${index}`,
  producer: (topicId: number, index: number, producerId: number) => `s/${topicId}/${index}/${producerId}`,
  deletedTopic: (topicId: number) => `d/${topicId}`,
  deletedPrefix: "d/",
  /** A pipeline's checkpoint (runtime/pipelines), written with its output batches. */
  checkpoint: (name: string) => `c/${name}`,
  topicIdNext: "topicIdNext",
  producerIdNext: "producerIdNext",
};
