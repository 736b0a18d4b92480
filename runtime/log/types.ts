// The surface of runtime/log that gateways, the bridge and pipelines build on.
// runtime/log is the only importer of `lmdb`. Promises named "durable" resolve only once the
// data is on disk under the configured storage.sync mode; nothing acks before that.

export interface TopicDescription {
  name: string;
  partitions: number;
  /** Effective Kafka topic config (defaults filled in), as strings like Kafka returns them. */
  config: Record<string, string>;
}

/** What happened to a topic (see Log.onTopicChange). */
export interface TopicChange {
  topic: string;
  kind: "created" | "deleted" | "partitions-added";
}

/** Runs after a topic changed. A promise it returns is awaited by the call that made the change
 * (deleteTopic resolves once, say, the group offsets of the topic are gone too). */
export type TopicChangeListener = (change: TopicChange) => void | Promise<unknown>;

export interface PartitionState {
  logStartOffset: number;
  /** Next offset to be assigned (== log end offset; no replication, so HWM == LEO). */
  highWatermark: number;
  /** Below it every Kafka transaction is decided (committed or aborted): read_committed's end. */
  lastStableOffset: number;
}

/** A transaction's end, written as a control batch into each partition it touched. */
export interface TxnMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export interface AppendResult {
  baseOffset: number;
  /** -1 for CreateTime topics, else the broker time written into the batch. */
  logAppendTimeMs: number;
  logStartOffset: number;
  /** True when an idempotent producer re-sent a batch already stored: nothing was appended. */
  duplicate: boolean;
}

export interface ReadResult {
  /** Whole stored batches, starting with the one holding the requested offset. */
  batches: Uint8Array[];
  totalBytes: number;
  highWatermark: number;
  logStartOffset: number;
  /** Read at read_committed: where it stopped, and the aborted transactions of the range. */
  lastStableOffset?: number;
  abortedTransactions?: Array<{ producerId: number; firstOffset: number }>;
}

/** A small durable key-value table inside the log's LMDB environment (sessions, retained
 * messages, bridge cursors, group offsets). put/remove resolve when durable. */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): Promise<void>;
  /**
   * put() that resolves once committed, before the fsync: the log's writes are committed in the
   * order they are issued, so it is durable at the latest with the next durable write (an
   * append's acknowledgement, a put()). For state whose loss matters only once something written
   * after it is durable.
   */
  putCommitted(key: string, value: V): Promise<void>;
  remove(key: string): Promise<void>;
  /** Several writes (value undefined: remove), in order, in one transaction, durable together. */
  putMany(entries: Array<{ key: string; value: V | undefined }>): Promise<void>;
  /** Entries whose key starts with `prefix`, in key order. */
  range(prefix: string): IterableIterator<{ key: string; value: V }>;
}
