// Byte copies and match scans shared by the LZ77 codecs (LZ4 and snappy). "Wild" copies move whole 8- or
// 16-byte words and may write a few bytes past the end of the copy: they run only when the
// caller proves that much room remains inside the output (and input) regions, and the extra
// bytes land where later output overwrites them.

/** Copies `len` literal bytes; `dstRoom`/`srcRoom` are the bytes left in each region from
 *  dst/src (both >= len, checked by the caller). */
// @ts-ignore: decorator
@inline
export function copyLiterals(dst: usize, src: usize, len: usize, dstRoom: usize, srcRoom: usize): void {
  if (len <= 16 && dstRoom >= 16 && srcRoom >= 16) {
    store<u64>(dst, load<u64>(src));
    store<u64>(dst, load<u64>(src, 8), 8);
  } else {
    memory.copy(dst, src, len);
  }
}

/** Copies a back-reference of `len` bytes from `offset` bytes behind `op` (1 <= offset,
 *  overlapping allowed: a short offset repeats its bytes); `dstRoom` >= len is the room
 *  left in the output from op. */
// @ts-ignore: decorator
@inline
export function copyMatch(op: usize, offset: usize, len: usize, dstRoom: usize): void {
  let ref = op - offset;
  const end = op + len;
  if (offset >= 8 && dstRoom >= len + 8) {
    // Each 8-byte read lies wholly behind the write position, so overlapping is safe.
    let p = op;
    while (p < end) {
      store<u64>(p, load<u64>(ref));
      p += 8;
      ref += 8;
    }
  } else if (offset == 1) {
    memory.fill(op, load<u8>(ref), len);
  } else if (offset >= len) {
    memory.copy(op, ref, len);
  } else {
    let p = op;
    while (p < end) {
      store<u8>(p, load<u8>(ref));
      p++;
      ref++;
    }
  }
}

/** Length of the common run at a and b, stopping at `limit` (a < limit, b < a): the
 *  compressors' match extension, 8 bytes a step (XOR + count trailing zeros). */
// @ts-ignore: decorator
@inline
export function matchLength(a: usize, b: usize, limit: usize): usize {
  const start = a;
  while (a + 8 <= limit) {
    const diff = load<u64>(a) ^ load<u64>(b);
    if (diff != 0) return a - start + <usize>(ctz<u64>(diff) >> 3);
    a += 8;
    b += 8;
  }
  while (a < limit && load<u8>(a) == load<u8>(b)) {
    a++;
    b++;
  }
  return a - start;
}
