// Delivery source: follows every routed log topic from its end and hands each new record to
// the broker's fan-out. All deliveries come from here — MQTT publishes and records produced
// over Kafka alike — so there is one path, no duplicates, and a subscriber only ever receives
// a message that is already in the log.
import { decodeBatch } from "../../runtime/core/index.ts";
import type { DecodedRecord } from "../../runtime/core/types.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { MqttLog } from "./log-port.ts";

const readBytesMax = 1024 * 1024;
const waitMs = 30_000;

export type RecordSink = (record: DecodedRecord) => void;

/** Offset just past a stored batch: baseOffset (bytes 0..7) + lastOffsetDelta (23..26) + 1. */
function nextOffsetAfter(batch: Uint8Array): number {
  const v = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  return v.getInt32(0) * 2 ** 32 + v.getUint32(4) + v.getInt32(23) + 1;
}

export class LogTail {
  readonly #log: MqttLog;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  /** Every follower reads into this one buffer: each read is decoded (copied out) before the
   * follower awaits again, so no read outlives the next. */
  readonly #readBuffer = new Uint8Array(readBytesMax);

  constructor(log: MqttLog, logger: Logger) {
    this.#log = log;
    this.#logger = logger;
  }

  /** Follows each partition of `topics` from its current end. `wanted` false = skip decoding. */
  start(topics: Map<string, number>, sink: RecordSink, wanted: () => boolean): void {
    for (const [topic, partitions] of topics) {
      for (let p = 0; p < partitions; p++) {
        const from = this.#log.partitionState(topic, p).highWatermark;
        this.#loops.push(this.#follow(topic, p, from, sink, wanted));
      }
    }
  }

  async #follow(topic: string, partition: number, from: number, sink: RecordSink, wanted: () => boolean): Promise<void> {
    let offset = from;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        if (!(await this.#log.waitForData(topic, partition, offset, waitMs, signal))) continue;
        if (signal.aborted) return;
        if (!wanted()) {
          // Nobody subscribed: skip to the end without touching the stored pages (memory).
          offset = this.#log.partitionState(topic, partition).highWatermark;
          continue;
        }
        const read = this.#log.readInto(topic, partition, offset, readBytesMax, this.#readBuffer);
        const before = offset;
        for (const batch of read.batches) {
          const next = nextOffsetAfter(batch);
          if (next <= offset) continue;
          for (const record of decodeBatch(batch).records) if (record.offset >= offset) sink(record);
          offset = next;
        }
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
        this.#logger.error(`delivering from log topic ${topic} partition ${partition} at offset ${offset} failed: ${(err as Error).message}; retrying in 1 s`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
  }
}
