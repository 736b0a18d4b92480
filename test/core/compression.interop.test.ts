// Interop with independent implementations, both directions: the reference lz4 CLI, lz4js
// (pure JS) and the `lz4` native package under kafkajs-lz4; snappyjs under kafkajs-snappy,
// plus a hand-built xerial stream; node:zlib and GNU gzip; libzstd through the zstd CLI.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { compress, decompress } from "../../runtime/core/compression.ts";
import { codecWorkspace } from "../../runtime/core/codec-workspace.ts";
import { Compression } from "../../runtime/core/types.ts";
import { randomBytes, telemetryLines } from "../../bench/lib/telemetry-lines.ts";

const require = createRequire(import.meta.url);
const lz4js = require("lz4js") as {
  compress(src: Uint8Array): Uint8Array;
  decompress(src: Uint8Array): Uint8Array;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, table: Uint32Array): number;
};
const xxhashjs = require("xxhashjs") as { h32(data: Buffer, seed: number): { toNumber(): number } };
type KafkajsCodec = { compress(e: { buffer: Buffer }): Promise<Buffer>; decompress(b: Buffer): Promise<Buffer> };
const LZ4Codec = require("kafkajs-lz4") as new (options?: object) => { codec(): KafkajsCodec };
const snappyCodec = (require("kafkajs-snappy") as () => KafkajsCodec)();
const snappyjs = require("snappyjs") as { compress(b: Buffer): Buffer; uncompress(b: Buffer): Buffer };

const KiB = 1024;
const MiB = 1024 * KiB;
const CAP = 16 * MiB;
const samples = [
  ["telemetry 300 KiB", telemetryLines(300 * KiB, 5)],
  ["telemetry 100 bytes", telemetryLines(100, 6)],
  ["random 70 KiB", randomBytes(70 * KiB, 8)],
  ["empty", new Uint8Array(0)],
] as const;

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));
const xxh32 = (bytes: Uint8Array) => xxhashjs.h32(Buffer.from(bytes), 0).toNumber() >>> 0;

/** An LZ4 frame built by hand: FLG/BD as given, blocks from `encodeBlock` (null = store raw). */
function lz4Frame(data: Uint8Array, opts: { flg: number; bd: number; blockBytes: number; contentSize?: boolean; encodeBlock?: (b: Uint8Array) => Uint8Array | null }): Buffer {
  const descriptor = [opts.flg, opts.bd];
  if (opts.contentSize) {
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(data.length));
    descriptor.push(...size);
  }
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18, ...descriptor, (xxh32(Buffer.from(descriptor)) >>> 8) & 0xff])];
  for (let off = 0; off < data.length; off += opts.blockBytes) {
    const raw = data.subarray(off, off + opts.blockBytes);
    const packed = opts.encodeBlock?.(raw) ?? null;
    const body = Buffer.from(packed ?? raw);
    const head = Buffer.alloc(4);
    head.writeUInt32LE(((packed === null ? 0x80000000 : 0) | body.length) >>> 0);
    parts.push(head, body);
    if (opts.flg & 0x10) {
      const sum = Buffer.alloc(4);
      sum.writeUInt32LE(xxh32(body));
      parts.push(sum);
    }
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

/** lz4js's block compressor with a fresh table per block: independent blocks. */
function lz4jsBlock(raw: Uint8Array): Uint8Array | null {
  const out = new Uint8Array(raw.length + raw.length / 255 + 16);
  const n = lz4js.compressBlock(raw, out, 0, raw.length, new Uint32Array(1 << 16));
  return n === 0 || n >= raw.length ? null : out.subarray(0, n);
}

const lz4Native = require("lz4") as {
  encodeBound(n: number): number;
  encodeBlock(src: Buffer, dst: Buffer): number;
  decodeBlock(src: Buffer, dst: Buffer): number;
};

function lz4NativeBlock(raw: Uint8Array): Uint8Array | null {
  const out = Buffer.alloc(lz4Native.encodeBound(raw.length));
  const n = lz4Native.encodeBlock(Buffer.from(raw), out);
  return n <= 0 || n >= raw.length ? null : out.subarray(0, n);
}

describe("xxHash32 kernel", () => {
  it("matches xxhashjs on 300 buffers of random lengths and on the empty buffer", () => {
    const ws = codecWorkspace();
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(i * 7 + (i % 17), i);
      const ptr = ws.input.write(bytes);
      expect(ws.kernels.xxhash32(ptr, bytes.length, 0) >>> 0, `length ${bytes.length}`).toBe(xxh32(bytes));
    }
  });
});

describe("lz4 interop", () => {
  it.each(samples)("lz4js and the lz4 native package (kafkajs-lz4) read ours: %s", async (_name, data) => {
    const frame = compress(Compression.lz4, data);
    expect(same(lz4js.decompress(frame), data)).toBe(true);
    const native = await new LZ4Codec().codec().decompress(Buffer.from(frame));
    expect(same(native, data)).toBe(true);
  });

  it("every block we write keeps the reference decoder's rules (200 mixed inputs of random sizes)", () => {
    for (let i = 0; i < 200; i++) {
      const size = [13, 14, 20, 100, 65535, 65536, 65537][i % 7] + (i % 3) * 17 + Math.floor(i / 7) * 997;
      const data = Buffer.from(telemetryLines(size, i));
      if (i % 2) data.fill(i & 0xff, size >> 2, size >> 1); // a run in the middle
      if (i % 5 === 0) data.set(randomBytes(size >> 3, i), size >> 1);
      const frame = Buffer.from(compress(Compression.lz4, data));
      let pos = 7;
      const parts: Buffer[] = [];
      for (let word = frame.readUInt32LE(pos); word !== 0; word = frame.readUInt32LE(pos)) {
        const body = frame.subarray(pos + 4, pos + 4 + (word & 0x7fffffff));
        if (word & 0x80000000) {
          parts.push(body);
        } else {
          const out = Buffer.alloc(64 * KiB);
          const n = lz4Native.decodeBlock(body, out);
          expect(n, `input ${i} (${size} bytes), block at ${pos}`).toBeGreaterThanOrEqual(0);
          parts.push(out.subarray(0, n));
        }
        pos += 4 + body.length;
      }
      expect(same(Buffer.concat(parts), data), `input ${i}`).toBe(true);
    }
  });

  it.each(samples)("the reference lz4 CLI (v1.9) reads ours: %s", (_name, data) => {
    const cli = spawnSync("lz4", ["-dc", "-q"], { input: compress(Compression.lz4, data), maxBuffer: CAP });
    expect(cli.status).toBe(0);
    expect(same(cli.stdout, data)).toBe(true);
  });

  it.each([
    ["default: 4 MiB blocks, content checksum", []],
    ["64 KiB blocks, block checksums, content size", ["-B4", "-BX", "--content-size"]],
    ["high compression (-9), 256 KiB blocks, no content checksum", ["-9", "-B5", "--no-frame-crc"]],
  ])("we read the reference lz4 CLI's frames: %s", (_name, flags) => {
    for (const [, data] of samples) {
      const cli = spawnSync("lz4", ["-c", "-q", ...flags], { input: data, maxBuffer: CAP });
      expect(cli.status).toBe(0);
      expect(same(decompress(Compression.lz4, cli.stdout, CAP), data)).toBe(true);
    }
  });

  it.each(samples)("we read kafkajs-lz4 frames (4 MiB blocks, content checksum): %s", async (_name, data) => {
    const frame = await new LZ4Codec().codec().compress({ buffer: Buffer.from(data) });
    expect(frame[4] & 0x24).toBe(0x24); // independent blocks, content checksum
    expect(same(decompress(Compression.lz4, frame, CAP), data)).toBe(true);
  });

  it("we read kafkajs-lz4 frames with 64 KiB blocks", async () => {
    const data = telemetryLines(500 * KiB, 9);
    const frame = await new LZ4Codec({ blockMaxSize: 64 * KiB }).codec().compress({ buffer: Buffer.from(data) });
    expect(same(decompress(Compression.lz4, frame, CAP), data)).toBe(true);
  });

  it("on lz4js's blocks we give the reference decoder's verdict (LZ4_decompress_safe into a 64 KiB block)", () => {
    // lz4js ends some blocks with a match closer to the end than LZ4 allows; Java's and
    // librdkafka's readers reject those, so ledge must too (or it would store unreadable batches).
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 60; i++) {
      const data = telemetryLines(1000 + i * 1111, 100 + i);
      const block = lz4jsBlock(data);
      if (block === null) continue;
      const frame = lz4Frame(data, { flg: 0x60, bd: 0x40, blockBytes: 64 * KiB, encodeBlock: () => block });
      const reference = Buffer.alloc(64 * KiB);
      const n = lz4Native.decodeBlock(Buffer.from(block), reference);
      if (n >= 0) {
        expect(same(reference.subarray(0, n), data)).toBe(true);
        expect(same(decompress(Compression.lz4, frame, CAP), data), `sample ${i}`).toBe(true);
        accepted++;
      } else {
        expect(() => decompress(Compression.lz4, frame, CAP), `sample ${i}`).toThrow(expect.objectContaining({ statusName: "ERR_LZ4_BLOCK_DATA" }));
        rejected++;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(accepted + rejected).toBeGreaterThan(50);
  });

  it("lz4js reads frames of lz4js blocks that keep LZ4's rules, and so do we", () => {
    const data = telemetryLines(40 * KiB, 77);
    const frame = lz4Frame(data, { flg: 0x60 | 0x08, bd: 0x40, blockBytes: 64 * KiB, contentSize: true, encodeBlock: lz4jsBlock });
    const n = lz4Native.decodeBlock(Buffer.from(frame.subarray(19, frame.length - 4)), Buffer.alloc(64 * KiB));
    expect(n).toBe(data.length); // this sample's block keeps the rules
    expect(same(decompress(Compression.lz4, frame, CAP), data)).toBe(true);
    expect(same(lz4js.decompress(frame), data)).toBe(true);
  });

  it.each(samples)("we verify and read block checksums (blocks from the lz4 native encoder, 256 KiB): %s", async (_name, data) => {
    const frame = lz4Frame(data, { flg: 0x60 | 0x10, bd: 0x50, blockBytes: 256 * KiB, encodeBlock: lz4NativeBlock });
    expect(same(decompress(Compression.lz4, frame, CAP), data)).toBe(true);
    expect(same(await new LZ4Codec().codec().decompress(frame), data)).toBe(true); // the reference agrees
  });

  it("we read raw (uncompressed) blocks; a second frame is refused, as Java's reader would lose it", () => {
    const a = telemetryLines(90 * KiB, 1);
    const b = randomBytes(10 * KiB, 2);
    const rawBlocks = lz4Frame(a, { flg: 0x60, bd: 0x40, blockBytes: 64 * KiB });
    expect(same(decompress(Compression.lz4, rawBlocks, CAP), a)).toBe(true);
    const frames = Buffer.concat([rawBlocks, Buffer.from(compress(Compression.lz4, b))]);
    expect(() => decompress(Compression.lz4, frames, CAP)).toThrow(expect.objectContaining({ statusName: "ERR_LZ4_TRAILING_BYTES", kafkaErrorCode: 2 }));
  });

  it("lz4js frames declare dependent blocks, which Kafka rejects: a typed CORRUPT_MESSAGE error", () => {
    expect(() => decompress(Compression.lz4, lz4js.compress(telemetryLines(1000)), CAP)).toThrow(
      expect.objectContaining({ statusName: "ERR_LZ4_DEPENDENT_BLOCKS", kafkaErrorCode: 2, code: "LEDGE_ERR_MALFORMED_COMPRESSED_DATA" }),
    );
  });
});

describe("snappy interop", () => {
  it.each(samples)("snappyjs and kafkajs-snappy read ours (raw): %s", async (_name, data) => {
    const packed = Buffer.from(compress(Compression.snappy, data));
    expect(same(snappyjs.uncompress(packed), data)).toBe(true);
    expect(same(await snappyCodec.decompress(packed), data)).toBe(true);
  });

  it.each(samples)("we read kafkajs-snappy (snappyjs, raw): %s", async (_name, data) => {
    const packed = await snappyCodec.compress({ buffer: Buffer.from(data) });
    expect(same(decompress(Compression.snappy, packed, CAP), data)).toBe(true);
  });

  it("we read a hand-built xerial stream of several 32 KiB blocks, as Java clients write", async () => {
    const data = telemetryLines(200 * KiB + 123, 4);
    const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
    const parts: Buffer[] = [header];
    for (let off = 0, i = 0; off < data.length; off += 32 * KiB, i++) {
      const chunk = Buffer.from(data.subarray(off, off + 32 * KiB));
      // Alternate snappyjs's blocks and ours inside one stream.
      const block = i % 2 === 0 ? snappyjs.compress(chunk) : Buffer.from(compress(Compression.snappy, chunk));
      const len = Buffer.alloc(4);
      len.writeUInt32BE(block.length);
      parts.push(len, block);
    }
    const xerial = Buffer.concat(parts);
    expect(parts.length).toBeGreaterThan(13);
    expect(same(decompress(Compression.snappy, xerial, CAP), data)).toBe(true);
    expect(same(await snappyCodec.decompress(xerial), data)).toBe(true); // the reference agrees
    expect(same(decompress(Compression.snappy, header, CAP), new Uint8Array(0))).toBe(true);
  });
});

describe("gzip interop", () => {
  it.each(samples)("zlib and GNU gzip read ours: %s", (_name, data) => {
    const packed = compress(Compression.gzip, data);
    expect(same(gunzipSync(packed), data)).toBe(true);
    const cli = spawnSync("gzip", ["-dc"], { input: packed, maxBuffer: CAP });
    expect(cli.status).toBe(0);
    expect(same(cli.stdout, data)).toBe(true);
  });

  it("we read GNU gzip output and concatenated members (Kafka readers must)", () => {
    const a = telemetryLines(80 * KiB, 1);
    const b = telemetryLines(20 * KiB, 2);
    const cli = spawnSync("gzip", ["-c", "-9"], { input: a, maxBuffer: CAP });
    expect(cli.status).toBe(0);
    expect(same(decompress(Compression.gzip, cli.stdout, CAP), a)).toBe(true);
    const members = Buffer.concat([cli.stdout, gzipSync(b, { level: 1 })]);
    expect(same(decompress(Compression.gzip, members, CAP), Buffer.concat([a, b]))).toBe(true);
  });
});

describe("zstd interop", () => {
  it.each(samples)("the zstd CLI reads ours: %s", (_name, data) => {
    const packed = compress(Compression.zstd, data);
    const cli = spawnSync("zstd", ["-dc", "-q"], { input: packed, maxBuffer: CAP });
    expect(cli.status).toBe(0);
    expect(same(cli.stdout, data)).toBe(true);
  });

  it("we read streamed zstd without a content size (as Java and librdkafka write), and concatenated frames", () => {
    const data = telemetryLines(3 * MiB, 12);
    // From a pipe the CLI cannot know the size: the frame header omits it, so output must grow.
    const cli = spawnSync("sh", ["-c", "cat | zstd -c -q -3"], { input: data, maxBuffer: CAP });
    expect(cli.status).toBe(0);
    expect(cli.stdout[4] & 0xc0).toBe(0); // Frame_Content_Size_flag = 0
    expect(same(decompress(Compression.zstd, cli.stdout, CAP), data)).toBe(true);
    const tailCli = spawnSync("zstd", ["-19", "-c", "-q"], { input: Buffer.from("tail") });
    expect(tailCli.status).toBe(0);
    const tail = tailCli.stdout;
    expect(same(decompress(Compression.zstd, Buffer.concat([cli.stdout, tail]), CAP), Buffer.concat([data, Buffer.from("tail")]))).toBe(true);
  });
});
