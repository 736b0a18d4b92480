// Incremental reader of size-prefixed frames (int32 big-endian size, then the payload).
// A state machine fed arbitrary socket chunks and pulled one frame at a time, so the caller
// decides when to take more (bounded in-flight requests). It rejects a size that is negative
// or above the limit before buffering that frame's body (Kafka closes the connection then,
// and so do we).

export type FrameEvent =
  | { kind: "frame"; payload: Uint8Array }
  | { kind: "bad-size"; size: number };

export class FrameReader {
  readonly maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #size = -1; // payload size of the frame being read; -1 while reading the prefix
  readonly #allocate: (bytes: number) => Uint8Array;

  /** `allocate` makes the buffer a frame split over several chunks is joined into (a pool may
   * hand out reused memory); by default a new Uint8Array. */
  constructor(maxFrameBytes: number, allocate: (bytes: number) => Uint8Array = (n) => new Uint8Array(n)) {
    this.maxFrameBytes = maxFrameBytes;
    this.#allocate = allocate;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Adds one chunk; take frames out with `next()`. */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
  }

  /** The next complete frame (or a bad size, after which nothing is buffered), or null. */
  next(): FrameEvent | null {
    if (this.#size < 0) {
      if (this.#pendingBytes < 4) return null;
      const prefix = this.#take(4);
      const size = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0);
      if (size < 0 || size > this.maxFrameBytes) {
        this.#pending = [];
        this.#pendingBytes = 0;
        return { kind: "bad-size", size };
      }
      this.#size = size;
    }
    if (this.#pendingBytes < this.#size) return null;
    const payload = this.#take(this.#size);
    this.#size = -1;
    return { kind: "frame", payload };
  }

  /** Feeds one chunk; returns every frame it completed, in order. Stops at the first bad size. */
  push(chunk: Uint8Array): FrameEvent[] {
    this.append(chunk);
    const out: FrameEvent[] = [];
    for (let e = this.next(); e !== null; e = this.next()) {
      out.push(e);
      if (e.kind === "bad-size") break;
    }
    return out;
  }

  /** Removes n bytes from the front; a view when they sit in one chunk, else one copy. */
  #take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.#pending[0];
    this.#pendingBytes -= n;
    if (first.length >= n) {
      if (first.length === n) this.#pending.shift();
      else this.#pending[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = this.#allocate(n);
    let at = 0;
    while (at < n) {
      const c = this.#pending[0];
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) this.#pending.shift();
      else this.#pending[0] = c.subarray(k);
    }
    return out;
  }
}
