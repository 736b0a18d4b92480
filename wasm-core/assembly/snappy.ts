// Snappy, as Kafka uses it for compression.type=snappy.
//
//   raw     = uncompressed length (varint, <= 5 bytes) | element*
//   element = tag u8, low 2 bits: 00 literal  (len-1 in the upper 6 bits, or 60..63: len-1 in
//                                              the next 1..4 bytes LE) | bytes
//                                 01 copy     (len 4..11 in bits 2-4, offset 11 bits: bits 5-7
//                                              and the next byte)
//                                 10 copy     (len 1..64 in the upper 6 bits, offset u16 LE)
//                                 11 copy     (len 1..64, offset u32 LE)
//   xerial  = 82 'SNAPPY' 00 | version i32 BE | compat i32 BE | ([length i32 BE][raw])*
//
// librdkafka writes raw; Java and kafka-python write xerial. Reading sniffs the xerial magic
// (as librdkafka does) and accepts both; writing produces raw.
import { inMemory } from "./memory";
import { copyLiterals, copyMatch, matchLength } from "./lz-copy";
import {
  ERR_REGION_OUT_OF_BOUNDS, ERR_OUTPUT_TOO_SMALL, ERR_DECOMPRESSED_TOO_LARGE,
  ERR_SNAPPY_LENGTH, ERR_SNAPPY_DATA, ERR_SNAPPY_LENGTH_MISMATCH, ERR_SNAPPY_XERIAL_CHUNK,
} from "./status";

const XERIAL_MAGIC_HI: u32 = 0x414e5382; // 82 'S' 'N' 'A' read as u32 LE
const XERIAL_MAGIC_LO: u32 = 0x00595050; // 'P' 'P' 'Y' 00
const XERIAL_HEADER_BYTES: usize = 16;
const OUTPUT_BYTES_MAX: u64 = 0x7fffffff;
const FRAGMENT_BYTES: usize = 65536;
/** Fragments shorter than this, and each fragment's tail, are emitted as literals. */
const INPUT_MARGIN_BYTES: usize = 15;
const COMPRESS_SRC_BYTES_MAX: u32 = 0x6c000000; // keeps the bound below 2^31
const HASH_LOG_MAX: u32 = 14;
const HASH_LOG_MIN: u32 = 8;
/** Fragment positions (< 64 KiB) by hash of the 4 bytes there; cleared per fragment. */
const HASH_TABLE: usize = memory.data(<i32>((1 << HASH_LOG_MAX) * 2), 16);

// ---------------------------------------------------------------------------------------
// Decoding

/** True when [src, src + len) starts with the xerial header magic. */
function isXerial(src: usize, len: usize): bool {
  return len >= XERIAL_HEADER_BYTES && load<u32>(src) == XERIAL_MAGIC_HI && load<u32>(src, 4) == XERIAL_MAGIC_LO;
}

// Where the length varint of the last readRawLength call ended.
let varintEnd: usize = 0;

/** Reads a raw block's uncompressed-length varint; returns it (as u64), or u64.MAX_VALUE
 *  when it is missing or longer than 32 bits. Sets varintEnd. */
function readRawLength(src: usize, len: usize): u64 {
  let value: u64 = 0;
  const end = src + min<usize>(len, 5);
  let p = src;
  while (p < end) {
    const b = <u64>load<u8>(p);
    value |= (b & 0x7f) << (<u64>7 * <u64>(p - src));
    p++;
    if ((b & 0x80) == 0) {
      varintEnd = p;
      return value > 0xffffffff ? u64.MAX_VALUE : value;
    }
  }
  return u64.MAX_VALUE;
}

/** Decodes one raw block whose elements start at ip and whose stated length is `expected`
 *  (already checked to fit) into [op, op + expected). Returns expected or a status. */
function decodeElements(ip: usize, iend: usize, op: usize, expected: usize): i32 {
  const start = op;
  const oend = op + expected;
  // Each pass consumes at least one input byte, so the loop ends.
  while (ip < iend) {
    const tag = <u32>load<u8>(ip++);
    const kind = tag & 3;
    if (kind == 0) {
      let len = <u64>(tag >>> 2);
      if (len >= 60) {
        const extra = <usize>(len - 59);
        if (extra > iend - ip) return ERR_SNAPPY_DATA;
        len = 0;
        for (let i: usize = 0; i < extra; i++) len |= <u64>load<u8>(ip + i) << (<u64>i * 8);
        ip += extra;
      }
      len += 1;
      if (len > <u64>(iend - ip)) return ERR_SNAPPY_DATA;
      if (len > <u64>(oend - op)) return ERR_SNAPPY_LENGTH_MISMATCH;
      copyLiterals(op, ip, <usize>len, oend - op, iend - ip);
      ip += <usize>len;
      op += <usize>len;
      continue;
    }
    let len: usize;
    let offset: usize;
    if (kind == 1) {
      if (iend - ip < 1) return ERR_SNAPPY_DATA;
      len = 4 + <usize>((tag >>> 2) & 7);
      offset = (<usize>(tag >>> 5) << 8) | <usize>load<u8>(ip);
      ip += 1;
    } else if (kind == 2) {
      if (iend - ip < 2) return ERR_SNAPPY_DATA;
      len = 1 + <usize>(tag >>> 2);
      offset = <usize>load<u16>(ip);
      ip += 2;
    } else {
      if (iend - ip < 4) return ERR_SNAPPY_DATA;
      len = 1 + <usize>(tag >>> 2);
      offset = <usize>load<u32>(ip);
      ip += 4;
    }
    if (offset == 0 || offset > op - start) return ERR_SNAPPY_DATA;
    if (len > oend - op) return ERR_SNAPPY_LENGTH_MISMATCH;
    copyMatch(op, offset, len, oend - op);
    op += len;
    assert(op <= oend, "a copy was written past the stated length");
  }
  if (op != oend) return ERR_SNAPPY_LENGTH_MISMATCH;
  return <i32>expected;
}

/** Decodes one raw block [src, src + len) into at most dstCap bytes at dst. */
function decodeRaw(src: usize, len: usize, dst: usize, dstCap: usize): i32 {
  const expected = readRawLength(src, len);
  if (expected == u64.MAX_VALUE) return ERR_SNAPPY_LENGTH;
  if (expected > <u64>dstCap) return ERR_DECOMPRESSED_TOO_LARGE;
  return decodeElements(varintEnd, src + len, dst, <usize>expected);
}

/** Walks the chunks of a xerial stream; decodes them to dst, or only sums their stated
 *  lengths when dst is 0. Returns the total or a status. */
function walkXerial(src: usize, len: usize, dst: usize, dstCap: usize): i64 {
  let ip = src + XERIAL_HEADER_BYTES;
  const iend = src + len;
  let total: u64 = 0;
  // Each pass consumes at least 4 input bytes, so the loop ends.
  while (ip < iend) {
    if (iend - ip < 4) return ERR_SNAPPY_XERIAL_CHUNK;
    const chunk = <usize>bswap<u32>(load<u32>(ip));
    ip += 4;
    if (chunk > iend - ip) return ERR_SNAPPY_XERIAL_CHUNK;
    if (dst == 0) {
      const stated = readRawLength(ip, chunk);
      if (stated == u64.MAX_VALUE) return ERR_SNAPPY_LENGTH;
      total += stated;
      if (total > OUTPUT_BYTES_MAX) return ERR_DECOMPRESSED_TOO_LARGE;
    } else {
      const n = decodeRaw(ip, chunk, dst + <usize>total, dstCap - <usize>total);
      if (n < 0) return n;
      total += <u64>n;
    }
    ip += chunk;
  }
  return <i64>total;
}

/** The exact length [src, src + srcLen) decodes to, as its headers state it (raw or
 *  xerial), or a status. Lets the host size the output and enforce its cap first. */
export function snappyDecodedLength(src: usize, srcLen: usize): i32 {
  if (!inMemory(src, srcLen)) return ERR_REGION_OUT_OF_BOUNDS;
  if (isXerial(src, srcLen)) return <i32>walkXerial(src, srcLen, 0, 0);
  const stated = readRawLength(src, srcLen);
  if (stated == u64.MAX_VALUE) return ERR_SNAPPY_LENGTH;
  if (stated > OUTPUT_BYTES_MAX) return ERR_DECOMPRESSED_TOO_LARGE;
  return <i32>stated;
}

/** Decodes raw or xerial-framed snappy [src, src + srcLen) to dst; returns the decoded
 *  length, or a status (ERR_DECOMPRESSED_TOO_LARGE when it would pass dstCap). */
export function snappyDecompress(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!inMemory(src, srcLen) || !inMemory(dst, dstCap) || dst == 0) return ERR_REGION_OUT_OF_BOUNDS;
  const cap = min<usize>(dstCap, <usize>OUTPUT_BYTES_MAX);
  if (isXerial(src, srcLen)) return <i32>walkXerial(src, srcLen, dst, cap);
  return decodeRaw(src, srcLen, dst, cap);
}

// ---------------------------------------------------------------------------------------
// Encoding

/** Bytes a raw snappy block of srcLen input bytes can take at most, or a status. */
export function snappyCompressBound(srcLen: u32): i32 {
  if (srcLen > COMPRESS_SRC_BYTES_MAX) return ERR_OUTPUT_TOO_SMALL;
  return <i32>(32 + srcLen + srcLen / 6);
}

function emitLiteral(op: usize, lit: usize, len: usize): usize {
  const n = len - 1;
  if (n < 60) {
    store<u8>(op++, <u8>(n << 2));
  } else if (n < 256) {
    store<u8>(op++, <u8>(60 << 2));
    store<u8>(op++, <u8>n);
  } else {
    // Fragments are at most 64 KiB, so n fits in two bytes.
    store<u8>(op++, <u8>(61 << 2));
    store<u16>(op, <u16>n);
    op += 2;
  }
  memory.copy(op, lit, len);
  return op + len;
}

/** Emits one copy of 4..64 bytes. */
function emitCopyUpTo64(op: usize, offset: usize, len: usize): usize {
  if (len < 12 && offset < 2048) {
    store<u8>(op, <u8>(1 | ((len - 4) << 2) | ((offset >>> 8) << 5)));
    store<u8>(op, <u8>offset, 1);
    return op + 2;
  }
  store<u8>(op, <u8>(2 | ((len - 1) << 2)));
  store<u16>(op, <u16>offset, 1);
  return op + 3;
}

function emitCopy(op: usize, offset: usize, len: usize): usize {
  // Keep every piece at least 4 bytes long, so the short form stays usable for the tail.
  while (len >= 68) {
    op = emitCopyUpTo64(op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    op = emitCopyUpTo64(op, offset, 60);
    len -= 60;
  }
  return emitCopyUpTo64(op, offset, len);
}

/** Compresses one fragment (<= 64 KiB) greedily with a hash table; returns the new op. */
function compressFragment(src: usize, len: usize, op: usize): usize {
  const iend = src + len;
  let nextEmit = src;
  if (len >= INPUT_MARGIN_BYTES) {
    let hashLog = HASH_LOG_MIN;
    while (hashLog < HASH_LOG_MAX && (<usize>1 << hashLog) < len) hashLog++;
    const shift = 32 - hashLog;
    memory.fill(HASH_TABLE, 0, <usize>2 << hashLog);
    const ipLimit = iend - INPUT_MARGIN_BYTES;
    let ip = src + 1;
    while (ip <= ipLimit) {
      let skip: u32 = 32;
      let candidate: usize = 0;
      let found = false;
      while (ip <= ipLimit) {
        const seq = load<u32>(ip);
        const slot = HASH_TABLE + (<usize>((seq * 0x1e35a7bd) >>> shift) << 1);
        candidate = src + <usize>load<u16>(slot);
        store<u16>(slot, <u16>(ip - src));
        if (load<u32>(candidate) == seq && candidate < ip) {
          found = true;
          break;
        }
        ip += <usize>(skip++ >> 5);
      }
      if (!found) break;
      op = emitLiteralsBefore(op, nextEmit, ip);
      // Emit copies while the byte after each one starts another match.
      while (true) {
        const matched = <usize>4 + matchLength(ip + 4, candidate + 4, iend);
        assert(candidate < ip, "a copy points forward");
        assert(ip - candidate < 65536, "a copy offset does not fit 16 bits");
        op = emitCopy(op, ip - candidate, matched);
        ip += matched;
        nextEmit = ip;
        if (ip > ipLimit) break;
        const prev = ip - 1;
        store<u16>(HASH_TABLE + (<usize>((load<u32>(prev) * 0x1e35a7bd) >>> shift) << 1), <u16>(prev - src));
        const seq = load<u32>(ip);
        const slot = HASH_TABLE + (<usize>((seq * 0x1e35a7bd) >>> shift) << 1);
        candidate = src + <usize>load<u16>(slot);
        store<u16>(slot, <u16>(ip - src));
        if (load<u32>(candidate) != seq || candidate >= ip) {
          ip++;
          break;
        }
      }
    }
  }
  return emitLiteralsBefore(op, nextEmit, iend);
}

// @ts-ignore: decorator
@inline
function emitLiteralsBefore(op: usize, from: usize, to: usize): usize {
  return to > from ? emitLiteral(op, from, to - from) : op;
}

/** Compresses [src, src + srcLen) into one raw snappy block at dst; returns its length or a
 *  status. dstCap must be at least snappyCompressBound(srcLen). */
export function snappyCompress(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!inMemory(src, srcLen) || !inMemory(dst, dstCap)) return ERR_REGION_OUT_OF_BOUNDS;
  const bound = snappyCompressBound(<u32>srcLen);
  if (bound < 0 || dstCap < <usize>bound) return ERR_OUTPUT_TOO_SMALL;
  let op = dst;
  let n = <u32>srcLen;
  while (n >= 0x80) {
    store<u8>(op++, <u8>(n | 0x80));
    n >>>= 7;
  }
  store<u8>(op++, <u8>n);
  let ip = src;
  const iend = src + srcLen;
  while (ip < iend) {
    const fragment = min<usize>(iend - ip, FRAGMENT_BYTES);
    op = compressFragment(ip, fragment, op);
    ip += fragment;
  }
  assert(op - dst <= <usize>bound, "the snappy block outgrew its bound");
  return <i32>(op - dst);
}
