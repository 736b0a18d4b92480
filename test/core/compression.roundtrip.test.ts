// Round trips through runtime/core/compression.ts for all four Kafka codecs, at the sizes
// where framing changes (empty, one byte, the 64 KiB block boundaries) and at 4 MiB.
import { describe, expect, it } from "vitest";
import { compress, decompress } from "../../runtime/core/compression.ts";
import { Compression, type CompressionName } from "../../runtime/core/types.ts";
import { randomBytes, seededRandom, telemetryLines } from "../../bench/lib/telemetry-lines.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const codecs: CompressionName[] = ["gzip", "snappy", "lz4", "zstd"];
const sizes = [0, 1, 2, 13, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 128 * KiB, 128 * KiB + 5, 4 * MiB];

function roundTrip(name: CompressionName, data: Uint8Array): Uint8Array {
  const codec = Compression[name];
  const packed = compress(codec, data);
  return decompress(codec, packed, data.length);
}

describe.each(codecs)("%s round trip", (name) => {
  it.each(sizes)("JSON telemetry, %i bytes, decompressed with the cap set to exactly its size", (size) => {
    const data = telemetryLines(size, size + 1);
    expect(Buffer.from(roundTrip(name, data)).equals(Buffer.from(data))).toBe(true);
  });

  it.each(sizes)("random bytes, %i bytes", (size) => {
    const data = randomBytes(size, size + 2);
    expect(Buffer.from(roundTrip(name, data)).equals(Buffer.from(data))).toBe(true);
  });

  it("compresses telemetry, and long runs of one byte, several-fold", () => {
    const data = telemetryLines(256 * KiB);
    expect(compress(Compression[name], data).length).toBeLessThan(data.length / 3);
    const zeros = new Uint8Array(MiB);
    const packed = compress(Compression[name], zeros);
    expect(packed.length).toBeLessThan(zeros.length / 20);
    expect(Buffer.from(decompress(Compression[name], packed, MiB)).equals(Buffer.from(zeros))).toBe(true);
  });

  it("refuses output one byte over the cap with the decompressed-size error", () => {
    const data = telemetryLines(100 * KiB, 3);
    const packed = compress(Compression[name], data);
    expect(() => decompress(Compression[name], packed, data.length - 1)).toThrow(
      expect.objectContaining({ statusName: "ERR_DECOMPRESSED_TOO_LARGE", kafkaErrorCode: 10 }),
    );
  });

  it("returns a result the caller owns: a later call does not change it", () => {
    const a = telemetryLines(10 * KiB, 11);
    const b = telemetryLines(10 * KiB, 12);
    const packedA = compress(Compression[name], a);
    const packedACopy = Uint8Array.from(packedA);
    const outA = decompress(Compression[name], packedA, a.length);
    const packedB = compress(Compression[name], b);
    decompress(Compression[name], packedB, b.length);
    expect(Buffer.from(outA).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(packedA).equals(Buffer.from(packedACopy))).toBe(true);
  });
});

describe("codec dispatch", () => {
  it("none passes bytes through and still enforces the cap", () => {
    const data = telemetryLines(1000);
    expect(compress(Compression.none, data)).toBe(data);
    expect(decompress(Compression.none, data, 1000)).toBe(data);
    expect(() => decompress(Compression.none, data, 999)).toThrow(expect.objectContaining({ statusName: "ERR_DECOMPRESSED_TOO_LARGE" }));
  });

  it("an unknown codec id is Kafka's UNSUPPORTED_COMPRESSION_TYPE (76)", () => {
    expect(() => decompress(5 as never, new Uint8Array(4), 100)).toThrow(
      expect.objectContaining({ code: "LEDGE_ERR_UNSUPPORTED_COMPRESSION", kafkaErrorCode: 76 }),
    );
    expect(() => compress(7 as never, new Uint8Array(4))).toThrow(expect.objectContaining({ kafkaErrorCode: 76 }));
  });

  it("lz4 writes 64 KiB independent blocks with no checksums, as Java's Kafka client does", () => {
    const frame = compress(Compression.lz4, telemetryLines(200 * KiB));
    expect(Buffer.from(frame.subarray(0, 6)).toString("hex")).toBe("04224d186040");
    const out = Buffer.from(frame);
    let pos = 7;
    let blocks = 0;
    for (;;) {
      const word = out.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      expect(word & 0x7fffffff).toBeLessThanOrEqual(64 * KiB);
      pos += word & 0x7fffffff;
      blocks++;
    }
    expect(blocks).toBe(4);
    expect(pos).toBe(frame.length);
  });
});

describe("wasm codecs on 400 mixed inputs of random sizes (debug build asserts the encoders' invariants)", () => {
  it.each(["lz4", "snappy"] as const)("%s round-trips text, runs, short repeats and noise spliced together", (name) => {
    const random = seededRandom(31);
    for (let i = 0; i < 400; i++) {
      const parts: Uint8Array[] = [];
      const pieces = 1 + Math.floor(random() * 6);
      for (let p = 0; p < pieces; p++) {
        const size = Math.floor(random() ** 3 * 70_000);
        const kind = Math.floor(random() * 4);
        if (kind === 0) parts.push(telemetryLines(size, i * 10 + p));
        else if (kind === 1) parts.push(new Uint8Array(size).fill(p));
        else if (kind === 2) parts.push(Uint8Array.from({ length: size }, (_, k) => (k % (1 + p)) + 65));
        else parts.push(randomBytes(size, i * 10 + p));
      }
      const data = Buffer.concat(parts);
      const packed = compress(Compression[name], data);
      expect(Buffer.from(decompress(Compression[name], packed, data.length)).equals(data), `input ${i}, ${data.length} bytes`).toBe(true);
    }
  });
});
