// The read path: whole stored batches from an offset, waiting for data, partition state, and
// offsets by timestamp. Reads are synchronous and see only durable data (below the high
// watermark); read_committed reads stop at the last stable offset and name the aborted
// transactions of the range, for the reader to filter as Kafka's clients do.
import type { LogContext } from "./context.ts";
import type { Partition } from "./partition.ts";
import { readBatches, recordAtTimestamp, visitBatches } from "./read.ts";
import { abortedInRange, lastStableOffset } from "./partition-txns.ts";
import { readNextOffset } from "../core/index.ts";
import type { PartitionState, ReadResult } from "./types.ts";
import { waitForAny, type Want } from "./waiters.ts";

export class ReadPath {
  readonly #ctx: LogContext;

  constructor(ctx: LogContext) {
    this.#ctx = ctx;
  }

  read(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): ReadResult {
    return readBatches(this.#ctx.tables, this.#ctx.recent, this.#ctx.partition(topic, partition), offset, maxBytes, into);
  }

  visitBatches(topic: string, partition: number, offset: number, endOffset: number, visit: (batch: Uint8Array) => boolean): void {
    visitBatches(this.#ctx.tables, this.#ctx.recent, this.#ctx.partition(topic, partition), offset, endOffset, visit);
  }

  /** A read_committed read: up to the last stable offset, with the range's aborted transactions. */
  readCommitted(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): ReadResult {
    const p = this.#ctx.partition(topic, partition);
    const lso = lastStableOffset(p.open, p.highWatermark);
    const out = readBatches(this.#ctx.tables, this.#ctx.recent, p, offset, maxBytes, into, lso);
    out.lastStableOffset = lso;
    let end = lso;
    if (out.batches.length > 0) end = Math.min(lso, readNextOffset(out.batches[out.batches.length - 1]));
    out.abortedTransactions = p.aborted.length > 0 ? abortedInRange(p.aborted, offset, end) : [];
    return out;
  }

  /** True once the last stable offset passes `offset` (read_committed's waitForData). */
  async waitForStable(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const p = this.#ctx.partition(topic, partition);
    const untilMs = Date.now() + timeoutMs;
    for (;;) {
      if (lastStableOffset(p.open, p.highWatermark) > offset) return true;
      const leftMs = untilMs - Date.now();
      if (leftMs <= 0 || signal?.aborted) return false;
      // Data past `offset` but an open transaction before it: wait for the next commit.
      if (!(await p.waiters.wait(Math.max(offset, p.highWatermark), leftMs, signal))) return false;
    }
  }

  /** waitForStable over several partitions at once: true once any one's last stable offset may
   * have passed its offset (a hint: the caller reads to see), false on timeout or abort. */
  waitForAnyStable(wants: ReadonlyArray<{ topic: string; partition: number; offset: number }>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const parked: Want[] = [];
    for (const { topic, partition, offset } of wants) {
      let p: Partition;
      try {
        p = this.#ctx.partition(topic, partition);
      } catch (err) {
        return Promise.reject(err);
      }
      if (lastStableOffset(p.open, p.highWatermark) > offset) return Promise.resolve(true);
      // Data past `offset` but an open transaction before it: the next commit may decide it.
      parked.push({ waiters: p.waiters, offset: Math.max(offset, p.highWatermark) });
    }
    return waitForAny(parked, timeoutMs, signal);
  }

  waitForData(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    let p: Partition;
    try {
      p = this.#ctx.partition(topic, partition);
    } catch (err) {
      return Promise.reject(err);
    }
    if (p.highWatermark > offset) return Promise.resolve(true);
    return p.waiters.wait(offset, timeoutMs, signal);
  }

  partitionState(topic: string, partition: number): PartitionState {
    const p = this.#ctx.partition(topic, partition);
    return { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark, lastStableOffset: lastStableOffset(p.open, p.highWatermark) };
  }

  storedBytes(topic: string, partition: number): number {
    return this.#ctx.partition(topic, partition).bytes;
  }

  recordAtTimestamp(topic: string, partition: number, timestampMs: number): { offset: number; timestampMs: number } | null {
    return recordAtTimestamp(this.#ctx.tables, this.#ctx.partition(topic, partition), timestampMs);
  }
}
