// The part of runtime/log's `Log` that the Kafka listener calls. Stated here as a structural
// type so the listener states its needs in one place; the real `Log` satisfies it. Results may
// be plain values or promises: the listener awaits them either way.
import type { AppendResult, PartitionState, ReadResult, TopicDescription } from "../../runtime/log/types.ts";

type MaybePromise<T> = T | Promise<T>;

export interface KafkaLogPort {
  createTopic(name: string, partitions: number, config?: Record<string, string | number>): MaybePromise<unknown>;
  deleteTopic(name: string): MaybePromise<unknown>;
  listTopics(): MaybePromise<Iterable<TopicDescription>>;
  describeTopic(name: string): MaybePromise<TopicDescription | undefined | null>;
  append(topic: string, partition: number, batch: Uint8Array): Promise<AppendResult>;
  read(topic: string, partition: number, offset: number, maxBytes: number): MaybePromise<ReadResult>;
  /** read() copied into `into`: batches are views into it (see runtime/log readInto). */
  readInto?(topic: string, partition: number, offset: number, maxBytes: number, into: Uint8Array): MaybePromise<ReadResult>;
  /** A read_committed read: up to the last stable offset, with the aborted transactions. */
  readCommitted?(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): MaybePromise<ReadResult>;
  /** waitForData for read_committed: until the last stable offset passes `offset`. */
  waitForStable?(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  waitForData(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<unknown>;
  recordAtTimestamp(topic: string, partition: number, timestampMs: number): MaybePromise<{ offset: number; timestampMs: number } | null>;
  partitionState(topic: string, partition: number): MaybePromise<PartitionState | undefined | null>;
  allocateProducerId(): MaybePromise<number | { producerId: number; producerEpoch?: number }>;
}
