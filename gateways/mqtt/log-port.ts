// The part of runtime/log's Log the MQTT gateway uses, so tests and bin/ can hand in the real
// Log and nothing else is assumed about it.
import type { EncodedBatch } from "../../runtime/core/types.ts";
import type { AppendResult, KeyValueStore, PartitionState, ReadResult, TopicChange, TopicDescription } from "../../runtime/log/types.ts";

export interface MqttLog {
  ensureTopic(name: string): Promise<TopicDescription>;
  /** Batches MQTT ingest encoded with runtime/core: appended without a second walk. */
  appendEncoded(topic: string, partition: number, batch: EncodedBatch): Promise<AppendResult>;
  read(topic: string, partition: number, offset: number, maxBytes: number): ReadResult;
  /** read() copied into `into`, batches as views into it (see runtime/log). */
  readInto(topic: string, partition: number, offset: number, maxBytes: number, into: Uint8Array): ReadResult;
  waitForData(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Delivery reads committed data only (Kafka's read_committed): up to the last stable offset. */
  readCommitted(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): ReadResult;
  waitForStable(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  partitionState(topic: string, partition: number): PartitionState;
  /** Batch bytes the partition holds (a session's lag in bytes is estimated from it). */
  storedBytes(topic: string, partition: number): number;
  /** Retention keeps offsets >= the lowest holder's protected offset (-1: none for `holder`). */
  setProtectedOffset(topic: string, partition: number, offset: number, holder: string): Promise<void>;
  openStore<V>(name: string): KeyValueStore<V>;
  /** The disk failure that stopped the log (fail-stop: every write is refused), or null. */
  readonly storageFailure: Error | null;
  /** `listener` runs after any topic is created, deleted or grows partitions. */
  onTopicChange(listener: (change: TopicChange) => void): () => void;
}
