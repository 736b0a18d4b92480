// The live tail: follows every routed log topic and hands each new record to the broker's
// fan-out, which delivers it to the sessions that are caught up ("live", log-delivery.ts). All
// deliveries come from the log — MQTT publishes and records produced over Kafka alike — so
// there is one path, no duplicates, and a subscriber only ever receives a message that is
// already in the log.
//
// The tail keeps no state on disk: it starts at each partition's end. A session that is not
// live (offline, or behind: its window or socket full) reads the log from its own cursor and
// joins the tail once it has reached the tail's position (log-delivery.ts).
import { decodeBatchColumns, readNextOffset, ReadCommittedFilter, type BatchColumns } from "../../runtime/core/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { MqttLog } from "./log-port.ts";

const readBytesMax = 1024 * 1024;
const waitMs = 30_000;

/** Gets each new record (record `index` of a decoded batch) with its partition's key (`cursorKey`). */
export type RecordSink = (cols: BatchColumns, index: number, key: string) => void;

export interface TailHandlers {
  /** Gets each new record (the broker's fan-out). */
  sink: RecordSink;
  /** False when no live session subscribes: records are skipped without being read. */
  wanted(): boolean;
  /** The tail's position in partition `key` moved on (share groups read on from their cursors). */
  advanced(key: string): void;
}

/** The key of one log partition, for cursors and the tail's positions. */
export function cursorKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class LogTail {
  readonly #log: MqttLog;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  /** Every follower reads into this one buffer: each read is decoded (copied out) before the
   * follower awaits again, so no read outlives the next. */
  readonly #readBuffer = new Uint8Array(readBytesMax);
  /** Per partition key: every record below it has been offered to the live sessions. */
  readonly #positions = new Map<string, number>();
  /** Per partition key: the running follower (each can be stopped alone when its topic goes). */
  readonly #followers = new Map<string, { topic: string; abort: AbortController }>();
  #handlers: TailHandlers = { sink: () => {}, wanted: () => false, advanced: () => {} };

  constructor(log: MqttLog, logger: Logger) {
    this.#log = log;
    this.#logger = logger;
  }

  /** Follows each partition of `topics` from its current end. */
  start(topics: Map<string, number>, handlers: TailHandlers): void {
    this.#handlers = handlers;
    for (const [topic, partitions] of topics) {
      for (let p = 0; p < partitions; p++) this.#followPartition(topic, p, this.#log.partitionState(topic, p).lastStableOffset);
    }
  }

  /** Where the tail is in partition `key`: records below it were offered to live sessions.
   * Undefined for a partition not followed. */
  position(key: string): number | undefined {
    return this.#positions.get(key);
  }

  /** A routed topic was deleted: its followers stop (they would only fail). */
  stopTopic(topic: string): void {
    for (const [key, follower] of this.#followers) {
      if (follower.topic !== topic) continue;
      follower.abort.abort();
      this.#followers.delete(key);
      this.#positions.delete(key);
    }
  }

  /** A routed topic was (re)created or grew: follows each partition not yet followed from its
   * start. A topic routes newly write to (config reload) is followed from its end instead: its
   * earlier records were never MQTT publishes to deliver. */
  followTopic(topic: string, partitions: number, from: "start" | "end" = "start"): void {
    for (let p = 0; p < partitions; p++) {
      if (this.#followers.has(cursorKey(topic, p))) continue;
      const state = this.#log.partitionState(topic, p);
      this.#followPartition(topic, p, from === "start" ? state.logStartOffset : state.lastStableOffset);
    }
  }

  #followPartition(topic: string, partition: number, from: number): void {
    const key = cursorKey(topic, partition);
    this.#positions.set(key, from);
    const abort = new AbortController();
    this.#followers.set(key, { topic, abort });
    this.#loops.push(this.#follow(topic, partition, from, AbortSignal.any([this.#abort.signal, abort.signal])));
  }

  async #follow(topic: string, partition: number, from: number, signal: AbortSignal): Promise<void> {
    let offset = from;
    const key = cursorKey(topic, partition);
    const { sink, wanted, advanced } = this.#handlers;
    while (!signal.aborted) {
      try {
        // Subscribers get committed records only (read_committed): never a Kafka transaction's
        // data before its commit, never an aborted one's, never the markers.
        if (!(await this.#log.waitForStable(topic, partition, offset, waitMs, signal))) continue;
        if (signal.aborted) return;
        if (!wanted()) {
          // No live subscriber: skip to the end without touching the stored pages (memory).
          // Sessions behind read from their own cursors.
          offset = this.#log.partitionState(topic, partition).lastStableOffset;
          this.#positions.set(key, offset);
          advanced(key);
          continue;
        }
        const read = this.#log.readCommitted(topic, partition, offset, readBytesMax, this.#readBuffer);
        const filter = new ReadCommittedFilter(read.abortedTransactions);
        const before = offset;
        for (const batch of read.batches) {
          const next = readNextOffset(batch);
          if (next <= offset) continue;
          if (filter.visible(batch)) {
            const cols = decodeBatchColumns(batch);
            const base = cols.header.baseOffset;
            for (let i = 0; i < cols.count; i++) if (base + cols.offsetDelta[i] >= offset) sink(cols, i, key);
          }
          offset = next;
          this.#positions.set(key, offset);
        }
        // The high watermark can pass `offset` before a read sees the batch (the reader's
        // snapshot lags the commit): yield a macrotask rather than spin on resolved promises.
        if (offset === before) await new Promise((r) => setTimeout(r, 1));
        else advanced(key);
      } catch (err) {
        if (signal.aborted) return;
        const code = (err as { code?: string }).code;
        if (code === "LEDGE_ERR_OFFSET_OUT_OF_RANGE") {
          offset = this.#log.partitionState(topic, partition).logStartOffset;
          this.#positions.set(key, offset);
          continue;
        }
        // Deleted: this follower ends; the broker follows the topic again once it exists.
        if (code === "LEDGE_ERR_UNKNOWN_TOPIC") return;
        this.#logger.error(`delivering from log topic ${topic} partition ${partition} at offset ${offset} failed: ${(err as Error).message}; retrying in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Stops following. */
  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }
}
