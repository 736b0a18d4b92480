// Incremental reader of size-prefixed frames (int32 big-endian size, then the payload).
// A state machine fed arbitrary socket chunks: it buffers at most one frame, and rejects a
// size that is negative or above the limit before buffering any of it (Kafka closes the
// connection then, and so do we).

export type FrameEvent =
  | { kind: "frame"; payload: Uint8Array }
  | { kind: "bad-size"; size: number };

export class FrameReader {
  readonly maxFrameBytes: number;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #size = -1; // payload size of the frame being read; -1 while reading the prefix

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#pendingBytes;
  }

  /** Feeds one chunk; returns the frames it completed, in order. Stops at the first bad size. */
  push(chunk: Uint8Array): FrameEvent[] {
    const out: FrameEvent[] = [];
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    for (;;) {
      if (this.#size < 0) {
        if (this.#pendingBytes < 4) return out;
        const prefix = this.#take(4);
        const size = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0);
        if (size < 0 || size > this.maxFrameBytes) {
          this.#pending = [];
          this.#pendingBytes = 0;
          out.push({ kind: "bad-size", size });
          return out;
        }
        this.#size = size;
      }
      if (this.#pendingBytes < this.#size) return out;
      out.push({ kind: "frame", payload: this.#take(this.#size) });
      this.#size = -1;
    }
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
    const out = new Uint8Array(n);
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
