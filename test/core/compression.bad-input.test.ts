// Bad input for every codec path: hand-made corruptions with their exact typed errors, output
// caps against bombs, and 10,000 mutated or truncated frames per wasm codec on the debug build,
// each checked for a typed error or valid output, no writes past the output cap (canary bytes)
// and no writes to the input; lz4 blocks are also checked against the reference decoder.
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compress, decompress } from "../../runtime/core/compression.ts";
import { codecWorkspace } from "../../runtime/core/codec-workspace.ts";
import { checkStatus, LedgeWasmError, Status, statusTable } from "../../runtime/core/errors.ts";
import { Compression, type CompressionCodec } from "../../runtime/core/types.ts";
import { randomBytes, seededRandom, telemetryLines } from "../../bench/lib/telemetry-lines.ts";

const require = createRequire(import.meta.url);
const xxhashjs = require("xxhashjs") as { h32(data: Buffer, seed: number): { toNumber(): number } };
const lz4Native = require("lz4") as {
  encodeBound(n: number): number;
  encodeBlock(src: Buffer, dst: Buffer): number;
  decodeBlock(src: Buffer, dst: Buffer): number;
};
const snappyjs = require("snappyjs") as { compress(b: Buffer): Buffer; uncompress(b: Buffer): Buffer };

const KiB = 1024;
const MiB = 1024 * KiB;
const FUZZ_CASES = 10_000;
const fuzzTimeMaxMs = 120_000;
const xxh32 = (bytes: Uint8Array) => xxhashjs.h32(Buffer.from(bytes), 0).toNumber() >>> 0;
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const inputStatuses = new Set<number>(statusTable.filter((e) => e.errorClass.name !== "CoreInternalError").map((e) => e.status));

function expectStatus(fn: () => unknown, statusName: string, kafkaErrorCode = 2): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${statusName}`).toBeInstanceOf(LedgeWasmError);
  expect(thrown).toMatchObject({ statusName, kafkaErrorCode });
}

/** Frame header bytes for FLG/BD (and content size), with a correct or given checksum byte. */
function lz4Header(flg: number, bd: number, contentSize?: number, checksum?: number): Buffer {
  const descriptor = [flg, bd];
  if (contentSize !== undefined) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(contentSize));
    descriptor.push(...size);
  }
  const hc = checksum ?? (xxh32(Buffer.from(descriptor)) >>> 8) & 0xff;
  return Buffer.from([0x04, 0x22, 0x4d, 0x18, ...descriptor, hc]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

function nativeBlock(raw: Uint8Array): Buffer {
  const out = Buffer.alloc(lz4Native.encodeBound(raw.length));
  return out.subarray(0, lz4Native.encodeBlock(Buffer.from(raw), out));
}

/** One single-block frame (FLG 0x60: independent, no checksums; BD 64 KiB) around `block`. */
function oneBlockFrame(block: Uint8Array): Buffer {
  return Buffer.concat([lz4Header(0x60, 0x40), u32le(block.length), Buffer.from(block), u32le(0)]);
}

describe("lz4 frames: each corruption has its typed error (Kafka CORRUPT_MESSAGE)", () => {
  const data = telemetryLines(20 * KiB, 1);
  const good = Buffer.from(compress(Compression.lz4, data));

  it("wrong magic, truncated header, empty input", () => {
    const bad = Buffer.from(good);
    bad[0] ^= 1;
    expectStatus(() => decompress(Compression.lz4, bad, MiB), "ERR_LZ4_FRAME_MAGIC");
    expectStatus(() => decompress(Compression.lz4, good.subarray(0, 5), MiB), "ERR_LZ4_TRUNCATED");
    expectStatus(() => decompress(Compression.lz4, new Uint8Array(0), MiB), "ERR_LZ4_TRUNCATED");
  });

  it("wrong header checksum byte (as old clients' broken checksum over the magic gives)", () => {
    const bad = Buffer.from(good);
    bad[6] ^= 0x40;
    expectStatus(() => decompress(Compression.lz4, bad, MiB), "ERR_LZ4_HEADER_CHECKSUM");
    const broken = (xxh32(good.subarray(0, 6)) >>> 8) & 0xff; // KAFKA-3160: checksum over magic + descriptor
    expectStatus(() => decompress(Compression.lz4, Buffer.concat([lz4Header(0x60, 0x40, undefined, broken), good.subarray(7)]), MiB), "ERR_LZ4_HEADER_CHECKSUM");
  });

  it("the dependent-block flag, with a correct checksum, is refused", () => {
    const frame = Buffer.concat([lz4Header(0x40, 0x40), good.subarray(7)]);
    expectStatus(() => decompress(Compression.lz4, frame, MiB), "ERR_LZ4_DEPENDENT_BLOCKS");
  });

  it("version bits, reserved bits, a dictionary id, block sizes below 64 KiB", () => {
    for (const [flg, bd] of [[0x20, 0x40], [0xa0, 0x40], [0x62, 0x40], [0x61, 0x40], [0x60, 0x30], [0x60, 0x41], [0x60, 0xc0]]) {
      expectStatus(() => decompress(Compression.lz4, Buffer.concat([lz4Header(flg, bd), good.subarray(7)]), MiB), "ERR_LZ4_FRAME_DESCRIPTOR");
    }
  });

  it("a block checksum that does not match; a content size that does not match", () => {
    const block = nativeBlock(data);
    const sum = xxh32(block);
    const checked = (s: number) => Buffer.concat([lz4Header(0x70, 0x40), u32le(block.length), block, u32le(s), u32le(0)]);
    expect(same(decompress(Compression.lz4, checked(sum), MiB), data)).toBe(true);
    expectStatus(() => decompress(Compression.lz4, checked(sum ^ 1), MiB), "ERR_LZ4_BLOCK_CHECKSUM");
    const sized = (n: number) => Buffer.concat([lz4Header(0x68, 0x40, n), u32le(block.length), block, u32le(0)]);
    expect(same(decompress(Compression.lz4, sized(data.length), MiB), data)).toBe(true);
    expectStatus(() => decompress(Compression.lz4, sized(data.length - 1), MiB), "ERR_LZ4_CONTENT_SIZE");
    expectStatus(() => decompress(Compression.lz4, sized(data.length + 1), MiB), "ERR_LZ4_CONTENT_SIZE");
  });

  it("blocks: larger than the block size, running past the input, no end mark, trailing bytes", () => {
    const raw = randomBytes(64 * KiB + 1);
    expectStatus(() => decompress(Compression.lz4, Buffer.concat([lz4Header(0x60, 0x40), u32le(0x80000000 | raw.length), raw, u32le(0)]), MiB), "ERR_LZ4_BLOCK_DATA");
    expectStatus(() => decompress(Compression.lz4, good.subarray(0, good.length - 4), MiB), "ERR_LZ4_TRUNCATED");
    expectStatus(() => decompress(Compression.lz4, good.subarray(0, 40), MiB), "ERR_LZ4_TRUNCATED");
    expectStatus(() => decompress(Compression.lz4, Buffer.concat([good, Buffer.from([1, 2, 3, 4, 5])]), MiB), "ERR_LZ4_TRAILING_BYTES");
    expectStatus(() => decompress(Compression.lz4, Buffer.concat([good, good]), MiB), "ERR_LZ4_TRAILING_BYTES");
  });

  it("sequences: offset 0, offset before the block, literals past the block, a match in the last 5 bytes", () => {
    // token 0x40: 4 literals then a match of 4 at the given offset, then 5 final literals.
    const seq = (offset: number) => Buffer.from([0x40, 97, 98, 99, 100, offset & 0xff, offset >> 8, 0x50, 1, 2, 3, 4, 5]);
    expect(same(decompress(Compression.lz4, oneBlockFrame(seq(4)), MiB), Buffer.from("abcdabcd\x01\x02\x03\x04\x05", "latin1"))).toBe(true);
    expectStatus(() => decompress(Compression.lz4, oneBlockFrame(seq(0)), MiB), "ERR_LZ4_BLOCK_DATA");
    expectStatus(() => decompress(Compression.lz4, oneBlockFrame(seq(5)), MiB), "ERR_LZ4_BLOCK_DATA");
    expectStatus(() => decompress(Compression.lz4, oneBlockFrame(Buffer.from([0x50, 1, 2, 3])), MiB), "ERR_LZ4_BLOCK_DATA");
    expectStatus(() => decompress(Compression.lz4, oneBlockFrame(Buffer.from([0x40, 97, 98, 99, 100, 4, 0])), MiB), "ERR_LZ4_BLOCK_DATA");
  });
});

describe("output caps stop bombs before they allocate", () => {
  it("lz4: 2,000 blocks of 64 KiB runs (~128 MiB from ~560 KiB) stop at a 1 MiB cap", () => {
    // Each block: 1 literal, then a match of 65,530 bytes at offset 1, then 5 literals.
    const ext = Buffer.alloc(Math.floor((65530 - 19) / 255), 255);
    const block = Buffer.concat([Buffer.from([0x1f, 0x41, 0x01, 0x00]), ext, Buffer.from([(65530 - 19) % 255]), Buffer.from([0x50, 1, 2, 3, 4, 5])]);
    const one = oneBlockFrame(block);
    expect(decompress(Compression.lz4, one, MiB).length).toBe(1 + 65530 + 5);
    const blocks = Buffer.concat(Array.from({ length: 2000 }, () => Buffer.concat([u32le(block.length), block])));
    const bomb = Buffer.concat([lz4Header(0x60, 0x40), blocks, u32le(0)]);
    expectStatus(() => decompress(Compression.lz4, bomb, MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
  });

  it("lz4: a stated content size over the cap is refused before decoding; one its blocks cannot hold is a lie", () => {
    const zeros = Buffer.from(compress(Compression.lz4, new Uint8Array(2 * MiB)));
    const sized = Buffer.concat([lz4Header(0x68, 0x40, 2 * MiB), zeros.subarray(7)]);
    expect(decompress(Compression.lz4, sized, 2 * MiB).length).toBe(2 * MiB);
    expectStatus(() => decompress(Compression.lz4, sized, MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
    const lie = Buffer.concat([lz4Header(0x68, 0x40, 2 ** 40), zeros.subarray(7)]);
    expectStatus(() => decompress(Compression.lz4, lie, 4 * MiB), "ERR_LZ4_CONTENT_SIZE");
  });

  it("snappy: 5 bytes claiming 4 GiB, and xerial chunks claiming more than the cap, are refused before decoding", () => {
    expectStatus(() => decompress(Compression.snappy, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]), MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
    expectStatus(() => decompress(Compression.snappy, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), MiB), "ERR_SNAPPY_LENGTH");
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const chunk = Buffer.from(compress(Compression.snappy, new Uint8Array(600 * KiB)));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(chunk.length);
    const xerial = Buffer.concat([header, len, chunk, len, chunk]);
    expect(decompress(Compression.snappy, xerial, 2 * MiB).length).toBe(1200 * KiB);
    expectStatus(() => decompress(Compression.snappy, xerial, MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
  });

  it("gzip and zstd: 64 MiB of zeros stop at a 1 MiB cap", () => {
    const zeros = new Uint8Array(64 * MiB);
    expectStatus(() => decompress(Compression.gzip, gzipSync(zeros, { level: 1 }), MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
    expectStatus(() => decompress(Compression.zstd, compress(Compression.zstd, zeros), MiB), "ERR_DECOMPRESSED_TOO_LARGE", 10);
  });
});

describe("snappy, gzip, zstd: corruptions have typed errors", () => {
  it("snappy raw: offset 0, offset before the start, literal past the end, length mismatch, bad tags", () => {
    expectStatus(() => decompress(Compression.snappy, Buffer.from([8, 0x0c, 97, 98, 99, 100, 0x01, 0x00]), MiB), "ERR_SNAPPY_DATA");
    expectStatus(() => decompress(Compression.snappy, Buffer.from([8, 0x0c, 97, 98, 99, 100, 0x01, 0x05]), MiB), "ERR_SNAPPY_DATA");
    expect(same(decompress(Compression.snappy, Buffer.from([8, 0x0c, 97, 98, 99, 100, 0x01, 0x04]), MiB), Buffer.from("abcdabcd"))).toBe(true);
    expectStatus(() => decompress(Compression.snappy, Buffer.from([8, 0x1c, 97, 98]), MiB), "ERR_SNAPPY_DATA");
    expectStatus(() => decompress(Compression.snappy, Buffer.from([9, 0x0c, 97, 98, 99, 100, 0x01, 0x04]), MiB), "ERR_SNAPPY_LENGTH_MISMATCH");
    expectStatus(() => decompress(Compression.snappy, Buffer.from([7, 0x0c, 97, 98, 99, 100, 0x01, 0x04]), MiB), "ERR_SNAPPY_LENGTH_MISMATCH");
    expectStatus(() => decompress(Compression.snappy, Buffer.from([8, 0xfe, 1]), MiB), "ERR_SNAPPY_DATA");
    expectStatus(() => decompress(Compression.snappy, Buffer.from([8, 0xff, 1, 2]), MiB), "ERR_SNAPPY_DATA");
    expectStatus(() => decompress(Compression.snappy, new Uint8Array(0), MiB), "ERR_SNAPPY_LENGTH");
  });

  it("snappy xerial: a chunk length past the end, a partial length, a bad chunk inside", () => {
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const chunk = snappyjs.compress(Buffer.from(telemetryLines(5000)));
    const len = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    expectStatus(() => decompress(Compression.snappy, Buffer.concat([header, len(chunk.length + 1), chunk]), MiB), "ERR_SNAPPY_XERIAL_CHUNK");
    expectStatus(() => decompress(Compression.snappy, Buffer.concat([header, len(chunk.length), chunk, Buffer.from([0, 0])]), MiB), "ERR_SNAPPY_XERIAL_CHUNK");
    const broken = Buffer.from([8, 0x0c, 97, 98, 99, 100, 0x01, 0x00]); // a copy at offset 0
    expectStatus(() => decompress(Compression.snappy, Buffer.concat([header, len(broken.length), broken]), MiB), "ERR_SNAPPY_DATA");
  });

  it("gzip: garbage, truncation, a bad CRC", () => {
    const good = gzipSync(telemetryLines(10 * KiB));
    expectStatus(() => decompress(Compression.gzip, Buffer.from("not gzip at all"), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    expectStatus(() => decompress(Compression.gzip, good.subarray(0, good.length - 10), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 6] ^= 1;
    expectStatus(() => decompress(Compression.gzip, badCrc, MiB), "ERR_MALFORMED_COMPRESSED_DATA");
  });

  it("zstd: garbage, truncation, empty input, trailing garbage", () => {
    const good = Buffer.from(compress(Compression.zstd, telemetryLines(100 * KiB)));
    expectStatus(() => decompress(Compression.zstd, Buffer.from("not zstd at all"), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    expectStatus(() => decompress(Compression.zstd, good.subarray(0, good.length - 3), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    expectStatus(() => decompress(Compression.zstd, new Uint8Array(0), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    expectStatus(() => decompress(Compression.zstd, Buffer.concat([good, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]), MiB), "ERR_MALFORMED_COMPRESSED_DATA");
    // The decoder recovers: the next good frame decodes.
    expect(decompress(Compression.zstd, good, MiB).length).toBe(100 * KiB);
  });
});

// ---------------------------------------------------------------------------------------
// Mutation fuzzing at the kernel boundary, on the debug build.

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);

/** 1-3 random edits: bit flips, byte sets, boundary u32s, truncation, insertion, deletion, duplication. */
function mutate(random: Random, src: Uint8Array): Uint8Array {
  let out = Uint8Array.from(src);
  const edits = 1 + int(random, 3);
  for (let e = 0; e < edits; e++) {
    const at = int(random, out.length + 1);
    switch (int(random, 7)) {
      case 0: if (out.length) out[at % out.length] ^= 1 << int(random, 8); break;
      case 1: if (out.length) out[at % out.length] = int(random, 256); break;
      case 2: if (out.length >= 4) {
        const v = [0, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0x10001, int(random, 0x20000)][int(random, 7)];
        new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), v, random() < 0.5);
      } break;
      case 3: out = out.subarray(0, at); break;
      case 4: out = Uint8Array.from([...out.subarray(0, at), ...randomBytes(1 + int(random, 8), int(random, 1e9)), ...out.subarray(at)]); break;
      case 5: out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(Math.min(out.length, at + 1 + int(random, 16)))]); break;
      default: {
        const from = int(random, out.length + 1);
        out = Uint8Array.from([...out.subarray(0, at), ...out.subarray(from, from + 1 + int(random, 32)), ...out.subarray(at)]);
      }
    }
  }
  return out;
}

/** True when an LZ4 block's sequences, walked as far as they parse, hold a match offset of 0. */
function hasZeroOffset(block: Uint8Array): boolean {
  let ip = 0;
  const readLength = (start: number) => {
    let len = start;
    if (start === 15) {
      for (let b = 255; b === 255 && ip < block.length; ) {
        b = block[ip++];
        len += b;
      }
    }
    return len;
  };
  while (ip < block.length) {
    const token = block[ip++];
    ip += readLength(token >> 4);
    if (ip + 2 > block.length) return false;
    if ((block[ip] | (block[ip + 1] << 8)) === 0) return true;
    ip += 2;
    readLength(token & 15);
  }
  return false;
}

const CANARY = 0xa5;
const CANARY_BYTES = 64;

/** Runs a decode kernel on `input` with output cap `capBytes`; checks canaries and the input. */
function runKernel(kernel: "lz4FrameDecompress" | "snappyDecompress", input: Uint8Array, capBytes: number): { rc: number; output: Uint8Array } {
  const ws = codecWorkspace();
  const inPtr = ws.input.write(input);
  const outPtr = ws.output.ensure(capBytes + CANARY_BYTES);
  const mem = ws.core.bytes;
  mem.fill(CANARY, outPtr + capBytes, outPtr + capBytes + CANARY_BYTES);
  const rc = ws.kernels[kernel](inPtr, input.length, outPtr, capBytes);
  const after = ws.core.bytes;
  for (let i = 0; i < CANARY_BYTES; i++) {
    if (after[outPtr + capBytes + i] !== CANARY) throw new Error(`${kernel} wrote past its output cap (rc ${rc})`);
  }
  if (!same(after.subarray(inPtr, inPtr + input.length), input)) throw new Error(`${kernel} wrote into its input (rc ${rc})`);
  if (rc >= 0 && rc > capBytes) throw new Error(`${kernel} returned ${rc} bytes over the cap ${capBytes}`);
  if (rc < 0 && !inputStatuses.has(rc)) throw new Error(`${kernel} returned status ${rc}, not an input error`);
  return { rc, output: rc >= 0 ? after.slice(outPtr, outPtr + rc) : new Uint8Array(0) };
}

function checkPublicApi(codec: CompressionCodec, input: Uint8Array): void {
  try {
    decompress(codec, input, 256 * KiB);
  } catch (err) {
    if (!(err instanceof LedgeWasmError)) throw err;
    if (err.kafkaErrorCode !== 2 && err.status !== Status.ERR_DECOMPRESSED_TOO_LARGE) throw err;
  }
}

describe("mutation fuzzing (debug build, seeded)", () => {
  // Bounded by FUZZ_CASES; the time bound leaves room for a loaded 2-core CI.
  it(`lz4: ${FUZZ_CASES} mutated and truncated frames give typed errors or output, never overrun`, () => {
    const random = seededRandom(2024);
    const seeds = [
      compress(Compression.lz4, telemetryLines(3 * KiB, 1)),
      compress(Compression.lz4, telemetryLines(70 * KiB, 2)),
      compress(Compression.lz4, randomBytes(500, 3)),
      Buffer.concat([lz4Header(0x7c, 0x40, 2000), u32le(nativeBlock(telemetryLines(2000, 4)).length), nativeBlock(telemetryLines(2000, 4)),
        u32le(xxh32(nativeBlock(telemetryLines(2000, 4)))), u32le(0), u32le(1234)]),
    ];
    let decoded = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const input = mutate(random, seeds[i % seeds.length]);
      const capBytes = [256 * KiB, int(random, 4 * KiB), 3 * KiB][i % 3];
      if (runKernel("lz4FrameDecompress", input, capBytes).rc >= 0) decoded++;
      if (i % 4 === 0) checkPublicApi(Compression.lz4, input);
    }
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(FUZZ_CASES);
  }, fuzzTimeMaxMs);

  it("lz4 blocks: 5,000 mutated blocks get the reference decoder's verdict and bytes", () => {
    const random = seededRandom(77);
    const blocks = [nativeBlock(telemetryLines(4 * KiB, 5)), nativeBlock(telemetryLines(300, 6)), nativeBlock(new Uint8Array(5000))];
    let agreedValid = 0;
    let zeroOffsets = 0;
    for (let i = 0; i < 5000; i++) {
      const block = mutate(random, blocks[i % blocks.length]);
      if (block.length === 0) continue;
      const reference = Buffer.alloc(64 * KiB);
      const n = lz4Native.decodeBlock(Buffer.from(block), reference);
      const ours = runKernel("lz4FrameDecompress", oneBlockFrame(block), 64 * KiB);
      if (n >= 0 && ours.rc < 0) {
        // The lz4 package bundles an LZ4 older than the rule "offset 0 is invalid"; newer
        // readers (and ledge) refuse it. That is the only disagreement allowed.
        expect(hasZeroOffset(block), `case ${i}: the reference decodes ${n} bytes, ours gives ${ours.rc}`).toBe(true);
        zeroOffsets++;
      } else if (n >= 0) {
        expect(ours.rc, `case ${i}: the reference decodes ${n} bytes`).toBe(n);
        expect(same(ours.output, reference.subarray(0, n))).toBe(true);
        agreedValid++;
      } else {
        expect(ours.rc, `case ${i}: the reference rejects`).toBeLessThan(0);
      }
    }
    expect(agreedValid).toBeGreaterThan(0);
    expect(zeroOffsets).toBeLessThan(agreedValid);
  });

  it(`snappy: ${FUZZ_CASES} mutated raw and xerial streams give typed errors or output, never overrun`, () => {
    const random = seededRandom(99);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const chunk = snappyjs.compress(Buffer.from(telemetryLines(1500, 7)));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(chunk.length);
    const seeds = [
      compress(Compression.snappy, telemetryLines(3 * KiB, 1)),
      compress(Compression.snappy, telemetryLines(70 * KiB, 2)),
      compress(Compression.snappy, randomBytes(300, 3)),
      Buffer.concat([header, len, chunk, len, chunk]),
    ];
    let decoded = 0;
    for (let i = 0; i < FUZZ_CASES; i++) {
      const input = mutate(random, seeds[i % seeds.length]);
      const capBytes = [256 * KiB, int(random, 4 * KiB), 3 * KiB][i % 3];
      const { rc, output } = runKernel("snappyDecompress", input, capBytes);
      if (rc >= 0) {
        decoded++;
        // A stream we accept is valid snappy: the pure-JS decoder must agree on raw streams.
        if (input[0] !== 0x82) expect(same(snappyjs.uncompress(Buffer.from(input)), output), `case ${i}`).toBe(true);
      }
      if (i % 4 === 0) checkPublicApi(Compression.snappy, input);
    }
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(FUZZ_CASES);
  }, fuzzTimeMaxMs);
  it("gzip and zstd: 1,000 mutated streams each give typed errors or output, never a crash", () => {
    const random = seededRandom(5);
    const data = telemetryLines(20 * KiB, 9);
    for (const codec of [Compression.gzip, Compression.zstd]) {
      const seed = compress(codec, data);
      let decoded = 0;
      for (let i = 0; i < 1000; i++) {
        const input = mutate(random, seed);
        try {
          decompress(codec, input, 64 * KiB);
          decoded++;
        } catch (err) {
          expect(err).toBeInstanceOf(LedgeWasmError);
          expect([2, 10]).toContain((err as LedgeWasmError).kafkaErrorCode);
        }
      }
      expect(decoded).toBeLessThan(1000);
    }
  });

  it("kernels refuse regions outside wasm memory with a status instead of trapping", () => {
    const ws = codecWorkspace();
    const beyond = ws.core.bytes.length - 8;
    const inPtr = ws.input.write(new Uint8Array(16));
    const outPtr = ws.output.ensure(16);
    for (const kernel of ["lz4FrameDecompress", "lz4FrameCompress", "snappyDecompress", "snappyCompress"] as const) {
      expect(ws.kernels[kernel](beyond, 64, outPtr, 16), kernel).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
      expect(ws.kernels[kernel](inPtr, 16, beyond, 64), kernel).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
      expect(ws.kernels[kernel](inPtr, 16, 0xfffffff0, 0x20), kernel).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    }
    expect(ws.kernels.lz4FrameDecodedBound(beyond, 64)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(ws.kernels.snappyDecodedLength(beyond, 64)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    // Such a status is a ledge bug, never bad input: it becomes the internal error, Kafka -1.
    expect(() => checkStatus(ws.kernels.snappyDecodedLength(beyond, 64))).toThrow(
      expect.objectContaining({ code: "LEDGE_ERR_CORE_INTERNAL", kafkaErrorCode: -1, statusName: "ERR_REGION_OUT_OF_BOUNDS" }),
    );
    expect(ws.kernels.lz4FrameCompress(inPtr, 16, outPtr, 10)).toBe(Status.ERR_OUTPUT_TOO_SMALL);
    expect(ws.kernels.snappyCompress(inPtr, 16, outPtr, 10)).toBe(Status.ERR_OUTPUT_TOO_SMALL);
  });
});
