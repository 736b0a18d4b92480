// Reusable buffers for large, short-lived byte strings: Kafka request frames and Fetch responses,
// and the record batches MQTT ingest encodes. Allocating such buffers fresh made garbage
// collection the largest single cost of kcat's produce load (a third of the listener's CPU,
// measured with --cpu-prof), and dead ones wait for a collection while they still count in RSS.
// A buffer comes back only from a user that keeps no view into it afterwards (Produce: the log
// has committed the batch by then). Bounded: at most `freeBytesMax` bytes wait here.

/** Default smallest pooled size: smaller buffers are cheap for the collector. */
export const bufferPoolBytesMin = 64 * 1024;

function sizeClass(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes));
}

export class BufferPool {
  readonly freeBytesMax: number;
  readonly #free = new Map<number, ArrayBuffer[]>();
  readonly #owned = new WeakSet<ArrayBuffer>();
  #freeBytes = 0;
  readonly #onReuse: () => void;
  readonly #bytesMin: number;

  /** `onReuse` runs each time take() hands out a buffer again instead of allocating (a metric);
   * take() allocates requests under `bytesMin` normally. */
  constructor(freeBytesMax: number, onReuse: () => void = () => {}, bytesMin = bufferPoolBytesMin) {
    this.freeBytesMax = freeBytesMax;
    this.#onReuse = onReuse;
    this.#bytesMin = bytesMin;
  }

  /** Bytes held for reuse now (never above freeBytesMax). */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of exactly `bytes` bytes; contents are whatever an earlier user left. */
  take(bytes: number): Uint8Array {
    if (bytes < this.#bytesMin) return new Uint8Array(bytes);
    const size = sizeClass(bytes);
    const reused = this.#free.get(size)?.pop();
    if (reused) {
      this.#freeBytes -= size;
      this.#onReuse();
      return new Uint8Array(reused, 0, bytes);
    }
    const fresh = new ArrayBuffer(size);
    this.#owned.add(fresh);
    return new Uint8Array(fresh, 0, bytes);
  }

  /** Returns a buffer from take() once nothing refers to it; other buffers are ignored. */
  give(taken: Uint8Array): void {
    const buffer = taken.buffer as ArrayBuffer;
    if (!this.#owned.has(buffer) || taken.byteOffset !== 0) return;
    if (this.#freeBytes + buffer.byteLength > this.freeBytesMax) return; // the collector has it
    const list = this.#free.get(buffer.byteLength) ?? [];
    if (list.includes(buffer)) return; // given twice: keep one copy, never hand it out twice
    list.push(buffer);
    this.#free.set(buffer.byteLength, list);
    this.#freeBytes += buffer.byteLength;
  }
}
