// LZ4 frame format, as Kafka uses it for compression.type=lz4.
//
//   frame  = magic u32 LE 0x184D2204 | FLG u8 | BD u8 | [content size u64 LE] | HC u8
//            block* | end mark u32 0 | [content checksum u32]
//   block  = size u32 LE (bit 31: stored uncompressed) | data | [xxHash32(data) u32]
//   FLG    = version (bits 7-6, must be 01) | block independence (5) | block checksum (4)
//            | content size (3) | content checksum (2) | reserved (1) | dictionary id (0)
//   BD     = block max size id (bits 6-4: 4 = 64 KiB ... 7 = 4 MiB), other bits reserved
//   HC     = (xxHash32(FLG..end of descriptor, seed 0) >> 8) & 0xFF
//
// Writing: 64 KiB independent blocks, no checksums (as Java's Kafka client writes); a block
// that does not shrink is stored raw. Reading: independent blocks only (Java rejects
// dependent ones, so ledge must not store them), block checksums verified when flagged,
// content size checked when present, content checksum skipped (Kafka readers do not verify
// it; the batch CRC covers these bytes). Exactly one frame: Java's reader stops at the first
// end mark, so records in a second frame would be lost to Java consumers.
import { inMemory } from "./memory";
import { xxh32 } from "./xxhash32";
import { copyLiterals, copyMatch, matchLength } from "./lz-copy";
import {
  OK, ERR_REGION_OUT_OF_BOUNDS, ERR_OUTPUT_TOO_SMALL, ERR_DECOMPRESSED_TOO_LARGE,
  ERR_LZ4_FRAME_MAGIC, ERR_LZ4_FRAME_DESCRIPTOR, ERR_LZ4_HEADER_CHECKSUM, ERR_LZ4_DEPENDENT_BLOCKS,
  ERR_LZ4_BLOCK_CHECKSUM, ERR_LZ4_TRUNCATED, ERR_LZ4_BLOCK_DATA, ERR_LZ4_CONTENT_SIZE, ERR_LZ4_TRAILING_BYTES,
} from "./status";

const MAGIC: u32 = 0x184d2204;
const FLG_VERSION_01: u32 = 0x40;
const FLG_BLOCK_INDEPENDENT: u32 = 0x20;
const FLG_BLOCK_CHECKSUM: u32 = 0x10;
const FLG_CONTENT_SIZE: u32 = 0x08;
const FLG_CONTENT_CHECKSUM: u32 = 0x04;
const FLG_RESERVED_OR_DICT: u32 = 0x03;
const BD_RESERVED: u32 = 0x8f;
const BD_64KIB: u32 = 0x40;
const BLOCK_UNCOMPRESSED: u32 = 0x80000000;
const WRITE_BLOCK_BYTES: usize = 65536;
const HEADER_BYTES_MIN: usize = 7; // magic, FLG, BD, HC
const END_MARK_BYTES: usize = 4;
/** Inputs above this would make the frame bound overflow an i32 length. */
const COMPRESS_SRC_BYTES_MAX: u32 = 0x7f000000;
const OUTPUT_BYTES_MAX: usize = 0x7fffffff;

// Block format constants (LZ4 block spec): the last 5 bytes are literals, the last match
// starts at least 12 bytes before the end, matches are at least 4 bytes.
const MIN_MATCH: usize = 4;
const LAST_LITERALS: usize = 5;
const MF_LIMIT: usize = 12;
const SKIP_TRIGGER: u32 = 6;
const HASH_LOG_MAX: u32 = 16;
const HASH_LOG_MIN: u32 = 10;
/** Input positions + 1 (0 = empty) by hash of the 4 bytes there, for one compress call;
 *  a candidate before the current block is ignored, which keeps blocks independent. */
const HASH_TABLE: usize = memory.data(<i32>((1 << HASH_LOG_MAX) * 4), 16);
let hashShift: u32 = 32 - HASH_LOG_MAX;

/** The table slot for the 5 bytes at p (hashing 5 rather than 4 bytes finds longer matches
 *  on text: fewer slots are taken by 4-byte coincidences). p + 8 must lie in the input. */
// @ts-ignore: decorator
@inline
function hashSlot(p: usize): usize {
  return HASH_TABLE + (<usize>(((load<u64>(p) << 24) * 889523592379) >>> (<u64>hashShift + 32)) << 2);
}

/** Sizes and clears the hash table for an input of srcLen bytes. */
function resetHashTable(srcLen: usize): void {
  let hashLog = HASH_LOG_MIN;
  while (hashLog < HASH_LOG_MAX && (<usize>1 << hashLog) < srcLen) hashLog++;
  hashShift = 32 - hashLog;
  memory.fill(HASH_TABLE, 0, <usize>4 << hashLog);
}

/** Bytes needed to write `len` as a 4-bit field plus 255-run extension bytes. */
// @ts-ignore: decorator
@inline
function extensionBytes(len: usize): usize {
  return len >= 15 ? (len - 15) / 255 + 1 : 0;
}

function writeExtension(op: usize, len: usize): usize {
  let rest = len - 15;
  while (rest >= 255) {
    store<u8>(op++, 255);
    rest -= 255;
  }
  store<u8>(op++, <u8>rest);
  return op;
}

/** Writes one sequence (literals, then a match unless matchLen is 0); returns the new op.
 *  oend and iend bound the output and input, so short literals can move as whole words. */
function writeSequence(op: usize, lit: usize, litLen: usize, offset: usize, matchLen: usize, oend: usize, iend: usize): usize {
  const token = op++;
  let t: u32 = litLen >= 15 ? 0xf0 : <u32>litLen << 4;
  if (litLen >= 15) op = writeExtension(op, litLen);
  copyLiterals(op, lit, litLen, oend - op, iend - lit);
  op += litLen;
  if (matchLen > 0) {
    store<u16>(op, <u16>offset);
    op += 2;
    const code = matchLen - MIN_MATCH;
    t |= code >= 15 ? 15 : <u32>code;
    if (code >= 15) op = writeExtension(op, code);
  }
  store<u8>(token, <u8>t);
  return op;
}

/** Greedy hash-table LZ4 block compressor over one block [block, block + len) of the input
 *  that starts at base (len <= 64 KiB). Returns the compressed length, or -1 when it would
 *  not fit in dstCap (the caller stores the block raw). */
function compressBlock(base: usize, block: usize, len: usize, dst: usize, dstCap: usize): isize {
  const iend = block + len;
  const oend = dst + dstCap;
  let op = dst;
  let anchor = block;
  if (len > MF_LIMIT) {
    const mfLimit = iend - MF_LIMIT;
    const matchLimit = iend - LAST_LITERALS;
    let ip = block;
    while (ip <= mfLimit) {
      let attempts: u32 = 1 << SKIP_TRIGGER;
      let ref: usize = 0;
      let found = false;
      while (ip <= mfLimit) {
        const seq = load<u32>(ip);
        const slot = hashSlot(ip);
        const stored = <usize>load<u32>(slot);
        store<u32>(slot, <u32>(ip - base + 1));
        ref = base + stored - 1;
        if (stored != 0 && ref >= block && load<u32>(ref) == seq) {
          found = true;
          break;
        }
        ip += <usize>(attempts++ >> SKIP_TRIGGER);
      }
      if (!found) break;
      while (ip > anchor && ref > block && load<u8>(ip - 1) == load<u8>(ref - 1)) {
        ip--;
        ref--;
      }
      const matchLen = MIN_MATCH + matchLength(ip + MIN_MATCH, ref + MIN_MATCH, matchLimit);
      assert(ref < ip, "a match points forward");
      assert(ip - ref <= 65535, "a match offset does not fit 16 bits");
      assert(ip + matchLen <= matchLimit, "a match runs into the last literals");
      const litLen = ip - anchor;
      const need = <usize>1 + extensionBytes(litLen) + litLen + 2 + extensionBytes(matchLen - MIN_MATCH);
      if (need > oend - op) return -1;
      op = writeSequence(op, anchor, litLen, ip - ref, matchLen, oend, iend);
      ip += matchLen;
      anchor = ip;
      if (ip <= mfLimit) store<u32>(hashSlot(ip - 2), <u32>(ip - 2 - base + 1));
    }
  }
  const litLen = iend - anchor;
  if (<usize>1 + extensionBytes(litLen) + litLen > oend - op) return -1;
  op = writeSequence(op, anchor, litLen, 0, 0, oend, iend);
  return <isize>(op - dst);
}

/** Bytes an LZ4 frame of `srcLen` input bytes can take at most (blocks that do not shrink
 *  are stored raw), or ERR_OUTPUT_TOO_SMALL when srcLen is too large to frame. */
export function lz4FrameBound(srcLen: u32): i32 {
  if (srcLen > COMPRESS_SRC_BYTES_MAX) return ERR_OUTPUT_TOO_SMALL;
  const blocks = (srcLen + <u32>WRITE_BLOCK_BYTES - 1) / <u32>WRITE_BLOCK_BYTES;
  return <i32>(<u32>HEADER_BYTES_MIN + blocks * 4 + srcLen + <u32>END_MARK_BYTES);
}

/** Compresses [src, src + srcLen) into one LZ4 frame at dst; returns its length, or a status.
 *  dstCap must be at least lz4FrameBound(srcLen). */
export function lz4FrameCompress(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!inMemory(src, srcLen) || !inMemory(dst, dstCap)) return ERR_REGION_OUT_OF_BOUNDS;
  const bound = lz4FrameBound(<u32>srcLen);
  if (bound < 0 || dstCap < <usize>bound) return ERR_OUTPUT_TOO_SMALL;
  store<u32>(dst, MAGIC);
  store<u8>(dst, <u8>(FLG_VERSION_01 | FLG_BLOCK_INDEPENDENT), 4);
  store<u8>(dst, <u8>BD_64KIB, 5);
  store<u8>(dst, <u8>(xxh32(dst + 4, 2, 0) >>> 8), 6);
  let op = dst + HEADER_BYTES_MIN;
  let ip = src;
  resetHashTable(srcLen);
  const iend = src + srcLen;
  while (ip < iend) {
    const chunk = min<usize>(iend - ip, WRITE_BLOCK_BYTES);
    const packed = compressBlock(src, ip, chunk, op + 4, chunk - 1);
    if (packed < 0) {
      store<u32>(op, <u32>chunk | BLOCK_UNCOMPRESSED);
      memory.copy(op + 4, ip, chunk);
      op += 4 + chunk;
    } else {
      store<u32>(op, <u32>packed);
      op += 4 + <usize>packed;
    }
    ip += chunk;
  }
  store<u32>(op, 0);
  op += END_MARK_BYTES;
  assert(op - dst <= <usize>bound, "the frame outgrew its bound");
  return <i32>(op - dst);
}

/** Decodes one LZ4 block into [op, limit). `overflow` is the status to return when the
 *  output would pass limit. Returns the decoded length or a status.
 *  Enforces the block rules the reference decoder (LZ4_decompress_safe, used by Java's and
 *  librdkafka's readers into a buffer of the frame's block size) enforces, so ledge never
 *  stores a batch those consumers reject: a sequence with a match leaves at least 8 input
 *  bytes after its literals and ends its literals 12 bytes before blockMax; a match ends at
 *  least 5 bytes before blockMax (the last 5 bytes of a block are literals). */
function decodeBlock(src: usize, len: usize, op: usize, limit: usize, overflow: i32, blockMax: usize): i32 {
  const start = op;
  let ip = src;
  const iend = src + len;
  // Each pass consumes at least one input byte, so the loop ends within len passes.
  while (true) {
    if (ip >= iend) return ERR_LZ4_BLOCK_DATA; // a block ends with a literals-only sequence
    const token = <u32>load<u8>(ip++);
    let litLen = <usize>(token >>> 4);
    if (litLen == 15) {
      let b: u32 = 255;
      while (b == 255) {
        if (ip >= iend) return ERR_LZ4_BLOCK_DATA;
        b = load<u8>(ip++);
        litLen += b;
      }
    }
    if (litLen > iend - ip) return ERR_LZ4_BLOCK_DATA;
    if (litLen > limit - op) return overflow;
    copyLiterals(op, ip, litLen, limit - op, iend - ip);
    ip += litLen;
    op += litLen;
    assert(op <= limit, "literals were written past the output limit");
    if (ip == iend) return <i32>(op - start);
    if (iend - ip < 2 + 1 + LAST_LITERALS || op - start > blockMax - MF_LIMIT) return ERR_LZ4_BLOCK_DATA;
    const offset = <usize>load<u16>(ip);
    ip += 2;
    if (offset == 0 || offset > op - start) return ERR_LZ4_BLOCK_DATA;
    let matchLen = <usize>(token & 15);
    if (matchLen == 15) {
      let b: u32 = 255;
      while (b == 255) {
        // The reference stops a match length 4 bytes before the end: a token and literals follow.
        if (iend - ip < LAST_LITERALS) return ERR_LZ4_BLOCK_DATA;
        b = load<u8>(ip++);
        matchLen += b;
      }
    }
    matchLen += MIN_MATCH;
    if (matchLen > limit - op) return overflow;
    copyMatch(op, offset, matchLen, limit - op);
    op += matchLen;
    assert(op <= limit, "a match was written past the output limit");
    if (op - start > blockMax - LAST_LITERALS) return ERR_LZ4_BLOCK_DATA;
  }
  return ERR_LZ4_BLOCK_DATA; // unreachable: the loop returns
}

// State of the frame walk (kernels run one at a time): where the next frame starts, how
// many bytes the frames so far decoded (or, when only measuring, at most decode to), and the
// current frame's block size and stated content size.
let inPos: usize = 0;
let outBytes: u64 = 0;
let frameBlockMax: usize = 0;
let frameContentSize: u64 = 0;

/** Checks one frame header at inPos; returns the FLG byte (>= 0) or a status, and leaves
 *  inPos after the header. Sets frameBlockMax and frameContentSize. */
function readFrameHeader(iend: usize): i32 {
  const ip = inPos;
  if (iend - ip < 4) return ERR_LZ4_TRUNCATED;
  if (load<u32>(ip) != MAGIC) return ERR_LZ4_FRAME_MAGIC;
  if (iend - ip < HEADER_BYTES_MIN) return ERR_LZ4_TRUNCATED;
  const flg = <u32>load<u8>(ip, 4);
  const bd = <u32>load<u8>(ip, 5);
  if ((flg & 0xc0) != FLG_VERSION_01 || (flg & FLG_RESERVED_OR_DICT) != 0) return ERR_LZ4_FRAME_DESCRIPTOR;
  const sizeId = (bd >>> 4) & 7;
  if ((bd & BD_RESERVED) != 0 || sizeId < 4) return ERR_LZ4_FRAME_DESCRIPTOR;
  const descriptorBytes: usize = (flg & FLG_CONTENT_SIZE) != 0 ? 10 : 2;
  if (iend - ip < 4 + descriptorBytes + 1) return ERR_LZ4_TRUNCATED;
  const checksum = (xxh32(ip + 4, descriptorBytes, 0) >>> 8) & 0xff;
  if (<u32>load<u8>(ip + 4 + descriptorBytes) != checksum) return ERR_LZ4_HEADER_CHECKSUM;
  if ((flg & FLG_BLOCK_INDEPENDENT) == 0) return ERR_LZ4_DEPENDENT_BLOCKS;
  frameBlockMax = <usize>1 << (8 + 2 * sizeId);
  frameContentSize = (flg & FLG_CONTENT_SIZE) != 0 ? load<u64>(ip, 6) : 0;
  inPos = ip + 4 + descriptorBytes + 1;
  return <i32>flg;
}

/** Decodes one block of the current frame to dst + outBytes; returns its length or a status.
 *  Output stops at the first of: the caller's cap (ERR_DECOMPRESSED_TOO_LARGE), the frame's
 *  stated content size (ERR_LZ4_CONTENT_SIZE), the frame's block size (ERR_LZ4_BLOCK_DATA). */
function decodeFrameBlock(word: u32, ip: usize, size: usize, dst: usize, dstCap: usize, contentLeft: u64): i32 {
  let limitBytes = dstCap - <usize>outBytes;
  let overflow = ERR_DECOMPRESSED_TOO_LARGE;
  if (contentLeft <= <u64>limitBytes) {
    limitBytes = <usize>contentLeft;
    overflow = ERR_LZ4_CONTENT_SIZE;
  }
  if (frameBlockMax < limitBytes) {
    limitBytes = frameBlockMax;
    overflow = ERR_LZ4_BLOCK_DATA;
  }
  const op = dst + <usize>outBytes;
  if ((word & BLOCK_UNCOMPRESSED) == 0) return decodeBlock(ip, size, op, op + limitBytes, overflow, frameBlockMax);
  if (size > limitBytes) return overflow;
  memory.copy(op, ip, size);
  return <i32>size;
}

/** Walks one frame from inPos. With dst == 0 it only measures (an upper bound of the
 *  output, tightened by a stated content size); otherwise it decodes to
 *  [dst + outBytes, dst + dstCap). */
function walkFrame(iend: usize, dst: usize, dstCap: usize): i32 {
  const flg = readFrameHeader(iend);
  if (flg < 0) return flg;
  const measuring = dst == 0;
  const checksummed = (<u32>flg & FLG_BLOCK_CHECKSUM) != 0;
  const hasContentSize = (<u32>flg & FLG_CONTENT_SIZE) != 0;
  const contentBytes = hasContentSize ? frameContentSize : u64.MAX_VALUE;
  const frameStart = outBytes;
  if (!measuring && hasContentSize && contentBytes > <u64>dstCap - outBytes) return ERR_DECOMPRESSED_TOO_LARGE;
  let ip = inPos;
  // Each pass consumes at least 4 input bytes, so the loop ends.
  while (true) {
    if (iend - ip < 4) return ERR_LZ4_TRUNCATED;
    const word = load<u32>(ip);
    ip += 4;
    if (word == 0) break;
    const size = <usize>(word & ~BLOCK_UNCOMPRESSED);
    if (size > frameBlockMax) return ERR_LZ4_BLOCK_DATA;
    const trailer: usize = checksummed ? 4 : 0;
    if (size > iend - ip || trailer > iend - ip - size) return ERR_LZ4_TRUNCATED;
    if (measuring) {
      outBytes += (word & BLOCK_UNCOMPRESSED) != 0 ? <u64>size : <u64>frameBlockMax;
    } else {
      if (checksummed && xxh32(ip, size, 0) != load<u32>(ip + size)) return ERR_LZ4_BLOCK_CHECKSUM;
      const n = decodeFrameBlock(word, ip, size, dst, dstCap, contentBytes - (outBytes - frameStart));
      if (n < 0) return n;
      outBytes += <u64>n;
    }
    ip += size + trailer;
  }
  if ((<u32>flg & FLG_CONTENT_CHECKSUM) != 0) {
    if (iend - ip < 4) return ERR_LZ4_TRUNCATED;
    ip += 4;
  }
  if (hasContentSize) {
    // Measuring: blocks cannot hold more than the bound, so a larger stated size is a lie.
    if (contentBytes > outBytes - frameStart) return ERR_LZ4_CONTENT_SIZE;
    if (measuring) outBytes = frameStart + contentBytes;
    else if (contentBytes != outBytes - frameStart) return ERR_LZ4_CONTENT_SIZE;
  }
  inPos = ip;
  return OK;
}

/** An upper bound of what [src, src + srcLen) decodes to (each compressed block counted at
 *  the frame's block size), checking the frame structure on the way; or a status. */
export function lz4FrameDecodedBound(src: usize, srcLen: usize): i32 {
  if (!inMemory(src, srcLen) || src == 0) return ERR_REGION_OUT_OF_BOUNDS;
  inPos = src;
  outBytes = 0;
  const iend = src + srcLen;
  const status = walkFrame(iend, 0, 0);
  if (status < 0) return status;
  if (inPos != iend) return ERR_LZ4_TRAILING_BYTES;
  // A bound, not a size: past what one call can return, the decoder's cap decides.
  return <i32>min<u64>(outBytes, <u64>OUTPUT_BYTES_MAX);
}

/** Decodes the one LZ4 frame in [src, src + srcLen) to dst; returns the decoded length, or a
 *  status (ERR_DECOMPRESSED_TOO_LARGE when the output would pass dstCap). */
export function lz4FrameDecompress(src: usize, srcLen: usize, dst: usize, dstCap: usize): i32 {
  if (!inMemory(src, srcLen) || !inMemory(dst, dstCap) || dst == 0) return ERR_REGION_OUT_OF_BOUNDS;
  const cap = min<usize>(dstCap, OUTPUT_BYTES_MAX);
  inPos = src;
  outBytes = 0;
  const iend = src + srcLen;
  const status = walkFrame(iend, dst, cap);
  if (status < 0) return status;
  if (inPos != iend) return ERR_LZ4_TRAILING_BYTES;
  return <i32>outBytes;
}
