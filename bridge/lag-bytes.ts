// ledge_bridge_lag_bytes without walking the backlog on every update: stored batch bytes of a
// partition from the bridge's next offset to the high watermark.
//
// Each partition keeps a span [from, to) of offsets and the stored bytes in it. An update moves
// `from` up to the bridge's next offset (subtracting the batches just shipped, their sizes read in
// place while their pages are hot) and `to` up to the high watermark (adding the batches stored
// since). So a batch's size is read twice in its life here, once stored and once shipped, never
// per update, and no batch is copied. Scanning
// forward takes at most lagScanBytesPerUpdateMax per update across partitions, so a large backlog
// found at start (or after a reset) does not stall the event loop: until the scan reaches the high
// watermark the rest is estimated from the bytes per offset scanned so far. Caught up (next offset
// at or past the span's end) the span starts over empty, exactly 0 and with nothing to read.
import type { Log } from "../runtime/log/index.ts";
import { readNextOffset } from "../runtime/core/index.ts";

/** Stored bytes one update reads forward at most, across partitions (one batch each regardless).
 * Small: a drain ships past the scanned end at every commit, so each update scans afresh, and the
 * estimate needs only a sample of the bytes per offset. */
export const lagScanBytesPerUpdateMax = 1024 * 1024;

interface Span {
  from: number;
  to: number;
  bytes: number;
}

export interface LagPosition {
  key: string;
  topic: string;
  partition: number;
  /** Next offset to ship. */
  next: number;
  logStartOffset: number;
  highWatermark: number;
}

export class LagBytes {
  readonly #spans = new Map<string, Span>();
  #budget = 0;

  /** Starts an update: the partitions measured until the next call share one scan budget. */
  begin(): void {
    this.#budget = lagScanBytesPerUpdateMax;
  }

  /** Forgets partitions not in `keys` (no longer shipped). */
  retain(keys: Set<string>): void {
    for (const key of this.#spans.keys()) if (!keys.has(key)) this.#spans.delete(key);
  }

  /** Stored bytes from `next` to the high watermark: exact once scanned there, else estimated. */
  measure(log: Log, at: LagPosition): number {
    const { key, next, logStartOffset, highWatermark } = at;
    if (next >= highWatermark) {
      this.#spans.set(key, { from: next, to: next, bytes: 0 });
      return 0;
    }
    let s = this.#spans.get(key);
    // Start over when the offset went back (a session resumed from upstream's cursor), passed the
    // scanned end, or when retention, the storage cap or a failed commit changed the span's data.
    if (!s || next < s.from || next >= s.to || logStartOffset > s.from || s.to > highWatermark) {
      s = { from: next, to: next, bytes: 0 };
      this.#spans.set(key, s);
    }
    try {
      if (next > s.from) s.bytes -= this.#sum(log, at, s.from, next, Infinity).bytes;
      s.from = next;
      const added = this.#sum(log, at, s.to, highWatermark, this.#budget);
      s.bytes += added.bytes;
      s.to = added.to;
    } catch {
      this.#spans.delete(key); // the partition went away under the read
      return 0;
    }
    // Compaction may rewrite batches inside the span; never report less than nothing.
    s.bytes = Math.max(0, s.bytes);
    if (s.to >= highWatermark || s.to === s.from) return s.bytes;
    return Math.round(s.bytes + ((highWatermark - s.to) * s.bytes) / (s.to - s.from));
  }

  /** Bytes of the stored batches from `from` below `end`: at least one batch, then within
   * `budget`. Sizes are read in place; no batch is copied. */
  #sum(log: Log, at: LagPosition, from: number, end: number, budget: number): { bytes: number; to: number } {
    let bytes = 0;
    let offset = from;
    log.visitBatches(at.topic, at.partition, from, end, (batch) => {
      bytes += batch.length;
      offset = readNextOffset(batch);
      return bytes < budget;
    });
    return this.#spend(bytes, offset);
  }

  #spend(bytes: number, to: number): { bytes: number; to: number } {
    this.#budget = Math.max(0, this.#budget - bytes);
    return { bytes, to };
  }
}
