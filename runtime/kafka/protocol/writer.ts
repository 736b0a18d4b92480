// Writes Kafka's big-endian primitives. Small fields go into one growing buffer; large byte
// fields (record batches) are kept as separate chunks by reference, so a Fetch response sends
// stored batches without copying them (the socket writes the chunk list with writev).
import assert from "node:assert";

const utf8 = new TextEncoder();
/** Byte fields at least this long are sent by reference instead of copied. */
const zeroCopyBytesMin = 4096;

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MAX_AS_DOUBLE = 2 ** 63;

export class Writer {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  #segmentStart = 0;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;

  constructor(initialBytes = 256) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far, including chunks held by reference. */
  get length(): number {
    return this.#chunkBytes + (this.#pos - this.#segmentStart);
  }

  #room(n: number): number {
    if (this.#pos + n > this.#buf.length) {
      // Finished segments keep pointing at the old buffer, which is never written again.
      const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#pos - this.#segmentStart + n + 256));
      next.set(this.#buf.subarray(this.#segmentStart, this.#pos));
      this.#pos -= this.#segmentStart;
      this.#segmentStart = 0;
      this.#buf = next;
      this.#view = new DataView(next.buffer);
    }
    const at = this.#pos;
    this.#pos += n;
    return at;
  }

  #byte(v: number): void {
    const at = this.#room(1); // before reading #buf: #room may replace it
    this.#buf[at] = v;
  }

  int8(v: number): this {
    const at = this.#room(1);
    this.#view.setInt8(at, v);
    return this;
  }
  int16(v: number): this {
    const at = this.#room(2);
    this.#view.setInt16(at, v);
    return this;
  }
  int32(v: number): this {
    const at = this.#room(4);
    this.#view.setInt32(at, v);
    return this;
  }
  uint32(v: number): this {
    const at = this.#room(4);
    this.#view.setUint32(at, v);
    return this;
  }
  int64(v: number): this {
    const at = this.#room(8);
    // Long.MAX_VALUE (2^63 - 1) reads back as the double 2^63 (Reader.int64): write that as
    // Long.MAX_VALUE again, not wrapped round to -2^63 (found by `npm run fuzz -- kafka-requests`).
    this.#view.setBigInt64(at, v >= INT64_MAX_AS_DOUBLE ? INT64_MAX : BigInt(v));
    return this;
  }
  float64(v: number): this {
    const at = this.#room(8);
    this.#view.setFloat64(at, v);
    return this;
  }
  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  uvarint(v: number): this {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, "uvarint out of range (a ledge bug)");
    while (v >= 0x80) {
      this.#byte((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.#byte(v);
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: number): this {
    let z = (BigInt(v) << 1n) ^ (BigInt(v) >> 63n);
    z &= 0xffffffffffffffffn;
    while (z >= 0x80n) {
      this.#byte(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    this.#byte(Number(z));
    return this;
  }

  raw(bytes: Uint8Array): this {
    if (bytes.length >= zeroCopyBytesMin) {
      this.#flushSegment();
      this.#chunks.push(bytes);
      this.#chunkBytes += bytes.length;
      return this;
    }
    const at = this.#room(bytes.length); // before reading #buf: #room may replace it
    this.#buf.set(bytes, at);
    return this;
  }
  utf8(s: string): Uint8Array {
    return utf8.encode(s);
  }

  #flushSegment(): void {
    if (this.#pos === this.#segmentStart) return;
    const seg = this.#buf.subarray(this.#segmentStart, this.#pos);
    this.#chunks.push(seg);
    this.#chunkBytes += seg.length;
    this.#segmentStart = this.#pos;
  }

  /** The written bytes as a list of chunks (no copy of large fields). */
  chunks(): Uint8Array[] {
    this.#flushSegment();
    return this.#chunks;
  }

  /** The written bytes as one contiguous buffer (copies; for tests and small messages). */
  toBytes(): Uint8Array {
    const parts = this.chunks();
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(this.#chunkBytes);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
