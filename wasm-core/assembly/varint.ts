// Kafka's zigzag varints (records use them for every integer) over raw memory.
//
// Readers advance one cursor and set `varintFailed` instead of throwing, so a walk checks the
// flag once per record. A varint is at most 5 bytes and a varlong at most 10, as in Kafka's
// ByteUtils; bits past 32 (64) in the last byte are dropped as Java drops them.

export let cursor: usize = 0;
export let varintFailed: bool = false;

export const VARINT_BYTES_MAX: i32 = 5;
export const VARLONG_BYTES_MAX: i32 = 10;

// @ts-ignore: decorator
@inline
function readUnsigned(end: usize, bytesMax: i32): u64 {
  let result: u64 = 0;
  let p = cursor;
  for (let i = 0; i < bytesMax; i++) {
    if (p >= end) break;
    const b = <u64>load<u8>(p++);
    result |= (b & 0x7f) << <u64>(i * 7);
    if ((b & 0x80) == 0) {
      cursor = p;
      return result;
    }
  }
  varintFailed = true;
  return 0;
}

/** Reads a zigzag varint (i32) at `cursor`, never past `end`. */
export function readVarint(end: usize): i32 {
  const u = <u32>readUnsigned(end, VARINT_BYTES_MAX);
  return <i32>((u >>> 1) ^ -(u & 1));
}

/** Reads a zigzag varlong (i64) at `cursor`, never past `end`. */
export function readVarlong(end: usize): i64 {
  const u = readUnsigned(end, VARLONG_BYTES_MAX);
  return <i64>((u >>> 1) ^ -(u & 1));
}

/** Bytes a zigzag varint of `value` takes: a sign-extended i32 zigzags to the same bytes. */
// @ts-ignore: decorator
@inline
export function varintBytes(value: i32): i32 {
  return varlongBytes(<i64>value);
}

/** Bytes a zigzag varlong of `value` takes. */
// @ts-ignore: decorator
@inline
export function varlongBytes(value: i64): i32 {
  let u = <u64>((value << 1) ^ (value >> 63));
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

/** Writes a zigzag varint at `p`; returns the position after it. Caller reserved the room. */
// @ts-ignore: decorator
@inline
export function writeVarint(p: usize, value: i32): usize {
  return writeVarlong(p, <i64>value);
}

/** Writes a zigzag varlong at `p`; returns the position after it. */
// @ts-ignore: decorator
@inline
export function writeVarlong(p: usize, value: i64): usize {
  let u = <u64>((value << 1) ^ (value >> 63));
  while (u >= 0x80) {
    store<u8>(p++, <u8>(u | 0x80));
    u >>>= 7;
  }
  store<u8>(p++, <u8>u);
  return p;
}
