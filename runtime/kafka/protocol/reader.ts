// Reads Kafka's big-endian primitives from one message body. Every read checks bounds and
// throws KafkaCodecError on truncated or impossible input, so a bad frame never crashes ledge:
// the connection that sent it is closed instead.

export class KafkaCodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KafkaCodecError";
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  offset: number;
  readonly end: number;

  constructor(bytes: Uint8Array, offset = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  #need(n: number, what: string): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new KafkaCodecError(`truncated ${what}: needs ${n} bytes at offset ${at}, ${this.end - at} left`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.view.getInt8(this.#need(1, "int8"));
  }
  int16(): number {
    return this.view.getInt16(this.#need(2, "int16"));
  }
  int32(): number {
    return this.view.getInt32(this.#need(4, "int32"));
  }
  uint32(): number {
    return this.view.getUint32(this.#need(4, "uint32"));
  }
  /** int64 as a JS number: offsets, ids and timestamps stay below 2^53. */
  int64(): number {
    return Number(this.view.getBigInt64(this.#need(8, "int64")));
  }
  float64(): number {
    return this.view.getFloat64(this.#need(8, "float64"));
  }
  boolean(): boolean {
    return this.int8() !== 0;
  }

  /** Unsigned LEB128 up to 32 bits (5 bytes), as used by flexible versions. */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.bytes[this.#need(1, "uvarint")];
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new KafkaCodecError("uvarint larger than 32 bits");
        return value;
      }
    }
    throw new KafkaCodecError("uvarint longer than 5 bytes");
  }
  /** Zigzag varint (32-bit). */
  varint(): number {
    const u = this.uvarint();
    return (u & 1) === 1 ? -((u + 1) / 2) : u / 2;
  }
  /** Zigzag varlong (up to 10 bytes), as a JS number. */
  varlong(): number {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.bytes[this.#need(1, "varlong")];
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return Number((value >> 1n) ^ -(value & 1n));
    }
    throw new KafkaCodecError("varlong longer than 10 bytes");
  }

  /** A view (no copy) of the next n bytes. */
  raw(n: number): Uint8Array {
    const at = this.#need(n, "bytes");
    return this.bytes.subarray(at, at + n);
  }
  utf8(n: number): string {
    return utf8.decode(this.raw(n));
  }
}
