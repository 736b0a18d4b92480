// Reusable buffers for large request frames. A producer's ~1 MB Produce frame arrives in 64 KiB
// socket reads and is joined into one buffer; allocating that buffer fresh for every frame made
// garbage collection the largest single cost of kcat's produce load (a third of the listener's
// CPU, measured with --cpu-prof). Buffers come back only from requests whose handler keeps no
// view into its frame once answered (Produce: the log has committed the batch by then).
// Bounded: at most `freeBytesMax` bytes wait here, across all connections of one listener.

/** Frames below this are allocated normally: small buffers are cheap for the collector. */
export const frameBufferBytesMin = 64 * 1024;

function sizeClass(bytes: number): number {
  return 2 ** Math.ceil(Math.log2(bytes));
}

export class FrameBufferPool {
  readonly freeBytesMax: number;
  readonly #free = new Map<number, ArrayBuffer[]>();
  readonly #owned = new WeakSet<ArrayBuffer>();
  #freeBytes = 0;
  readonly #onReuse: () => void;

  /** `onReuse` runs each time take() hands out a buffer again instead of allocating (a metric). */
  constructor(freeBytesMax: number, onReuse: () => void = () => {}) {
    this.freeBytesMax = freeBytesMax;
    this.#onReuse = onReuse;
  }

  /** Bytes held for reuse now (never above freeBytesMax). */
  get freeBytes(): number {
    return this.#freeBytes;
  }

  /** A buffer of exactly `bytes` bytes; contents are whatever an earlier frame left. */
  take(bytes: number): Uint8Array {
    if (bytes < frameBufferBytesMin) return new Uint8Array(bytes);
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

  /** Returns a frame from take() once nothing refers to it; other buffers are ignored. */
  give(frame: Uint8Array): void {
    const buffer = frame.buffer as ArrayBuffer;
    if (!this.#owned.has(buffer) || frame.byteOffset !== 0) return;
    if (this.#freeBytes + buffer.byteLength > this.freeBytesMax) return; // the collector has it
    const list = this.#free.get(buffer.byteLength) ?? [];
    if (list.includes(buffer)) return; // given twice: keep one copy, never hand it out twice
    list.push(buffer);
    this.#free.set(buffer.byteLength, list);
    this.#freeBytes += buffer.byteLength;
  }
}
