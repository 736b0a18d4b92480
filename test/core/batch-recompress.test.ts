// recompressBatch: a stored batch rewrapped for another codec, records untouched. Checked with
// kafkajs's decoder (independent of ledge's) for every pair of codecs, plus the header fields
// that must survive and bad input.
import { beforeAll, describe, expect, it } from "vitest";
import { Compression, decodeBatch, encodeBatch, readBatchHeader, recompressBatch, validateBatch, type CompressionCodec } from "../../runtime/core/index.ts";
import { kafkajsDecodeBatch, registerKafkajsCodecs } from "../reference/kafkajs-batch.ts";
import { randomRecords } from "./batch-fixtures.ts";

const codecs = Object.entries(Compression) as Array<[string, CompressionCodec]>;

beforeAll(() => registerKafkajsCodecs());

describe("recompressBatch", () => {
  for (const [fromName, from] of codecs) {
    for (const [toName, to] of codecs) {
      it(`${fromName} -> ${toName}: kafkajs decodes the same records; producer fields and timestamps kept`, async () => {
        const records = randomRecords(200, 100);
        const original = encodeBatch(records, { compression: from, producerId: 42, producerEpoch: 3, baseSequence: 77, baseOffset: 1000 });
        const out = recompressBatch(original, to);
        if (from === to) expect(out).toBe(original);
        const h = validateBatch(out);
        const before = readBatchHeader(original);
        expect(h).toMatchObject({ compression: to, recordCount: 200, producerId: 42, producerEpoch: 3, baseSequence: 77, baseOffset: 1000, baseTimestampMs: before.baseTimestampMs, maxTimestampMs: before.maxTimestampMs, lastOffsetDelta: 199 });
        const theirs = await kafkajsDecodeBatch(out);
        expect(theirs.records).toHaveLength(200);
        for (const i of [0, 99, 199]) {
          expect(theirs.records[i].value!.equals(Buffer.from(records[i].value!))).toBe(true);
          expect(Number(theirs.records[i].timestamp)).toBe(records[i].timestampMs);
        }
        expect(decodeBatch(out).records.map((r) => r.offset)).toEqual(decodeBatch(original).records.map((r) => r.offset));
      });
    }
  }

  it("a damaged compressed section is refused with a typed error, never rewrapped", () => {
    const original = encodeBatch(randomRecords(50, 100), { compression: Compression.lz4 });
    const damaged = new Uint8Array(original);
    for (let i = 70; i < 90; i++) damaged[i] ^= 0x5a;
    expect(() => recompressBatch(damaged, Compression.zstd)).toThrow(/lz4|compress|malformed|corrupt/i);
  });

  it("refuses to decompress past the cap", () => {
    const big = encodeBatch(randomRecords(100, 1000), { compression: Compression.zstd });
    expect(() => recompressBatch(big, Compression.lz4, 10_000)).toThrow(/too large|cap|ERR_DECOMPRESSED/i);
  });
});
