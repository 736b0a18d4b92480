// Delivery source: follows every routed log topic and hands each new record to the broker's
// fan-out. All deliveries come from here — MQTT publishes and records produced over Kafka
// alike — so there is one path, no duplicates, and a subscriber only ever receives a message
// that is already in the log.
//
// Where each partition's fan-out got to is stored (`mqtt-tail`), in the same LMDB transaction as
// the queue entries that fan-out wrote for offline persistent sessions (both are issued in one
// synchronous run). After a shutdown or a crash, the tail resumes from there when persistent
// sessions exist, so records stored just before it still reach their queues.
import { decodeBatch, readNextOffset, ReadCommittedFilter } from "../../runtime/core/index.ts";
import type { DecodedRecord } from "../../runtime/core/types.ts";
import type { KeyValueStore } from "../../runtime/log/types.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { MqttLog } from "./log-port.ts";

const readBytesMax = 1024 * 1024;
const waitMs = 30_000;
/** With nobody subscribed the tail only skips ahead: its position is stored at most this often. */
const skipCheckpointIntervalMs = 1000;

export type RecordSink = (record: DecodedRecord) => void;

export interface TailHandlers {
  /** Gets each new record (the broker's fan-out). */
  sink: RecordSink;
  /** False when nobody subscribes: records are skipped without being read. */
  wanted(): boolean;
  /** Runs after a read's records went to `sink` and before the position is stored: issues the
   * queue writes of that fan-out, so they and the position are one transaction. */
  flush(): void;
}

export class LogTail {
  readonly #log: MqttLog;
  readonly #logger: Logger;
  readonly #positions: KeyValueStore<number>;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  /** Every follower reads into this one buffer: each read is decoded (copied out) before the
   * follower awaits again, so no read outlives the next. */
  readonly #readBuffer = new Uint8Array(readBytesMax);
  /** Per partition key: the offset fan-out has reached, and when it was last stored. */
  readonly #reached = new Map<string, { offset: number; storedAtMs: number }>();
  readonly #writes = new Set<Promise<void>>();
  /** Per partition key: the running follower (each can be stopped alone when its topic goes). */
  readonly #followers = new Map<string, { topic: string; abort: AbortController }>();
  #handlers: TailHandlers = { sink: () => {}, wanted: () => false, flush: () => {} };

  constructor(log: MqttLog, logger: Logger) {
    this.#log = log;
    this.#logger = logger;
    this.#positions = log.openStore<number>("mqtt-tail");
  }

  /**
   * Follows each partition of `topics`: from where fan-out stopped last time when `resume` (there
   * are persistent sessions to deliver to), else from the current end.
   */
  start(topics: Map<string, number>, handlers: TailHandlers, resume: boolean): void {
    this.#handlers = handlers;
    for (const [topic, partitions] of topics) {
      for (let p = 0; p < partitions; p++) {
        const { logStartOffset, lastStableOffset } = this.#log.partitionState(topic, p);
        const stored = resume ? this.#positions.get(positionKey(topic, p)) : undefined;
        const from = stored === undefined ? lastStableOffset : Math.min(Math.max(stored, logStartOffset), lastStableOffset);
        this.#followPartition(topic, p, from);
      }
    }
  }

  /** A routed topic was deleted: its followers stop (they would only fail). */
  stopTopic(topic: string): void {
    for (const [key, follower] of this.#followers) {
      if (follower.topic !== topic) continue;
      follower.abort.abort();
      this.#followers.delete(key);
    }
  }

  /** A routed topic was (re)created or grew: follows each partition not yet followed from its start. */
  followTopic(topic: string, partitions: number): void {
    for (let p = 0; p < partitions; p++) {
      if (this.#followers.has(positionKey(topic, p))) continue;
      this.#reached.delete(positionKey(topic, p)); // a new partition: positions of an older one do not apply
      this.#followPartition(topic, p, this.#log.partitionState(topic, p).logStartOffset);
    }
  }

  #followPartition(topic: string, partition: number, from: number): void {
    const key = positionKey(topic, partition);
    // Stored now, too: what is appended from here on is what the next start resumes with.
    this.#checkpoint(key, from, Date.now());
    const abort = new AbortController();
    this.#followers.set(key, { topic, abort });
    this.#loops.push(this.#follow(topic, partition, from, AbortSignal.any([this.#abort.signal, abort.signal])));
  }

  /** Records that fan-out reached `offset`; called in the same synchronous run as the fan-out. */
  #checkpoint(key: string, offset: number, nowMs: number): void {
    const reached = this.#reached.get(key);
    if (reached === undefined) {
      this.#reached.set(key, { offset, storedAtMs: nowMs });
      if (this.#positions.get(key) === offset) return;
    } else if (reached.offset === offset) return;
    else {
      reached.offset = offset;
      reached.storedAtMs = nowMs;
    }
    this.#store(key, offset);
  }

  #store(key: string, offset: number): void {
    const write = this.#positions.put(key, offset).catch((err: Error) => this.#logger.warn(`could not store the MQTT delivery position of ${key.replace("\u0000", " partition ")} (${offset}): ${err.message}; after a restart some messages may be delivered again`));
    this.#writes.add(write);
    void write.then(() => this.#writes.delete(write));
  }

  async #follow(topic: string, partition: number, from: number, signal: AbortSignal): Promise<void> {
    let offset = from;
    const key = positionKey(topic, partition);
    const { sink, wanted, flush } = this.#handlers;
    while (!signal.aborted) {
      try {
        // Subscribers get committed records only (read_committed): never a Kafka transaction's
        // data before its commit, never an aborted one's, never the markers.
        if (!(await this.#log.waitForStable(topic, partition, offset, waitMs, signal))) continue;
        if (signal.aborted) return;
        if (!wanted()) {
          // Nobody subscribed: skip to the end without touching the stored pages (memory).
          offset = this.#log.partitionState(topic, partition).lastStableOffset;
          const nowMs = Date.now();
          const reached = this.#reached.get(key);
          if (reached === undefined || nowMs - reached.storedAtMs >= skipCheckpointIntervalMs) this.#checkpoint(key, offset, nowMs);
          else reached.offset = offset; // stored later (or at close)
          continue;
        }
        const read = this.#log.readCommitted(topic, partition, offset, readBytesMax, this.#readBuffer);
        const filter = new ReadCommittedFilter(read.abortedTransactions);
        const before = offset;
        for (const batch of read.batches) {
          const next = readNextOffset(batch);
          if (next <= offset) continue;
          if (filter.visible(batch)) for (const record of decodeBatch(batch).records) if (record.offset >= offset) sink(record);
          offset = next;
        }
        flush();
        this.#checkpoint(key, offset, Date.now());
        // The high watermark can pass `offset` before a read sees the batch (the reader's
        // snapshot lags the commit): yield a macrotask rather than spin on resolved promises.
        if (offset === before) await new Promise((r) => setTimeout(r, 1));
      } catch (err) {
        if (signal.aborted) return;
        const code = (err as { code?: string }).code;
        if (code === "LEDGE_ERR_OFFSET_OUT_OF_RANGE") {
          offset = this.#log.partitionState(topic, partition).logStartOffset;
          continue;
        }
        // Deleted: this follower ends; the broker follows the topic again once it exists.
        if (code === "LEDGE_ERR_UNKNOWN_TOPIC") return;
        this.#logger.error(`delivering from log topic ${topic} partition ${partition} at offset ${offset} failed: ${(err as Error).message}; retrying in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Stops following; resolves once every position (the last skip-ahead ones too) is stored. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
    for (const [key, reached] of this.#reached) if (this.#positions.get(key) !== reached.offset) this.#store(key, reached.offset);
    await Promise.all([...this.#writes]);
  }
}

function positionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
