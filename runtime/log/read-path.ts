// The read path: whole stored batches from an offset, waiting for data, partition state, and
// offsets by timestamp. Reads are synchronous and see only durable data (below the high
// watermark). Isolation-aware reads (#11) go here: a read_committed reader reads up to the
// partition's last stable offset (readBatches takes that upper bound) and gets the aborted
// transactions of the range beside the batches.
import type { LogContext } from "./context.ts";
import type { Partition } from "./partition.ts";
import { readBatches, recordAtTimestamp } from "./read.ts";
import type { PartitionState, ReadResult } from "./types.ts";

export class ReadPath {
  readonly #ctx: LogContext;

  constructor(ctx: LogContext) {
    this.#ctx = ctx;
  }

  read(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): ReadResult {
    return readBatches(this.#ctx.tables, this.#ctx.partition(topic, partition), offset, maxBytes, into);
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
    return { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark };
  }

  recordAtTimestamp(topic: string, partition: number, timestampMs: number): { offset: number; timestampMs: number } | null {
    return recordAtTimestamp(this.#ctx.tables, this.#ctx.partition(topic, partition), timestampMs);
  }
}
