// Batches kafkajs writes with its codec plugins (kafkajs-snappy, kafkajs-lz4, and zstd through
// zstd-napi) decode in ledge; batches ledge writes with each codec decode in kafkajs.
import { beforeAll, describe, expect, it } from "vitest";
import { Compression, decodeBatch, encodeBatch, validateBatch, type CompressionCodec } from "../../runtime/core/index.ts";
import { kafkajsDecodeBatch, kafkajsEncodeBatch, registerKafkajsCodecs } from "../reference/kafkajs-batch.ts";
import { randomRecords } from "./batch-fixtures.ts";

const codecs: [string, CompressionCodec][] = [["snappy", Compression.snappy], ["lz4", Compression.lz4], ["zstd", Compression.zstd]];

beforeAll(() => registerKafkajsCodecs());

describe("compressed batches across ledge and kafkajs", () => {
  for (const [name, compression] of codecs) {
    it(`ledge validates and decodes what kafkajs writes with ${name}`, async () => {
      for (const count of [1, 100, 2000]) {
        const records = randomRecords(count, 120);
        const bytes = await kafkajsEncodeBatch(records, { compression });
        expect(validateBatch(bytes)).toMatchObject({ compression, recordCount: count });
        const decoded = decodeBatch(bytes).records;
        expect(decoded).toHaveLength(count);
        for (const i of [0, count >> 1, count - 1]) {
          expect(Buffer.from(decoded[i].value!).equals(Buffer.from(records[i].value!))).toBe(true);
          expect(decoded[i].timestampMs).toBe(records[i].timestampMs);
          expect(decoded[i].headers.map((h) => h.key)).toEqual((records[i].headers ?? []).map((h) => h.key));
        }
      }
    });

    it(`kafkajs decodes what ledge writes with ${name}`, async () => {
      const records = randomRecords(300, 90);
      const batch = await kafkajsDecodeBatch(encodeBatch(records, { compression }));
      expect(batch.records).toHaveLength(300);
      expect(batch.records[299].value!.equals(Buffer.from(records[299].value!))).toBe(true);
      expect(batch.records[299].key!.toString()).toBe(new TextDecoder().decode(records[299].key!));
    });
  }
});
