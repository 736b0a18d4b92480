// Encode → validate → decode round trips: random records (empty and null keys/values, headers
// with null values, negative timestamp deltas), a 1 MiB value, 100 headers; in-place rewrites.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Compression, decodeBatch, decodeBatchColumns, encodeBatch, readBatchHeader, restampProducer, setBaseOffset,
  setPartitionLeaderEpoch, validateBatch, type CompressionCodec, type RecordInput,
} from "../../runtime/core/index.ts";
import { crc32cReference } from "../reference/crc32c.ts";
import { utf8 } from "./batch-fixtures.ts";

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null, freq: 4 });
const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  timestampMs: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: bytesOrNull }), { maxLength: 4 }),
});

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

function expectSameRecords(decoded: ReturnType<typeof decodeBatch>["records"], input: RecordInput[], baseOffset = 0): void {
  expect(decoded).toHaveLength(input.length);
  decoded.forEach((r, i) => {
    const want = input[i];
    expect(r.offset).toBe(baseOffset + i);
    expect(r.timestampMs).toBe(want.timestampMs);
    expect(sameBytes(r.key, want.key), `key of record ${i}`).toBe(true);
    expect(sameBytes(r.value, want.value), `value of record ${i}`).toBe(true);
    expect(r.headers).toEqual(want.headers ?? []);
  });
}

describe("RecordBatch v2 round trips", () => {
  for (const compression of [Compression.none, Compression.gzip] as CompressionCodec[]) {
    it(`random records survive encode → validate → decode (codec ${compression})`, () => {
      fc.assert(
        fc.property(fc.array(recordArb, { minLength: 1, maxLength: 30 }), (records) => {
          const bytes = encodeBatch(records, { compression });
          const header = validateBatch(bytes);
          expect(header.recordCount).toBe(records.length);
          expect(header.maxTimestampMs).toBe(Math.max(...records.map((r) => r.timestampMs)));
          expect(header.crc).toBe(crc32cReference(bytes.subarray(21)));
          expectSameRecords(decodeBatch(bytes).records, records);
        }),
        { numRuns: 150 },
      );
    });
  }

  it("carries a 1 MiB value and 100 headers", () => {
    const big = new Uint8Array(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const headers = Array.from({ length: 100 }, (_, i) => ({ key: `h${i}`, value: i % 10 === 0 ? null : utf8.encode(`v${i}`) }));
    const records: RecordInput[] = [
      { key: utf8.encode("big"), value: big, timestampMs: 1_700_000_000_000 },
      { key: new Uint8Array(0), value: new Uint8Array(0), headers, timestampMs: 1_700_000_000_001 },
      { key: null, value: null, timestampMs: 1_699_999_999_000 },
    ];
    for (const compression of [Compression.none, Compression.gzip] as CompressionCodec[]) {
      const bytes = encodeBatch(records, { compression });
      validateBatch(bytes, { maxBatchBytes: 2 * 1024 * 1024 });
      expectSameRecords(decodeBatch(bytes).records, records);
    }
  });

  it("decoded keys and values are views into one buffer owned by the result", () => {
    const records = Array.from({ length: 5 }, (_, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`v${i}`), timestampMs: i }));
    const decoded = decodeBatch(encodeBatch(records)).records;
    const buffer = decoded[0].key!.buffer;
    for (const r of decoded) {
      expect(r.key!.buffer).toBe(buffer);
      expect(r.value!.buffer).toBe(buffer);
    }
    encodeBatch([{ key: utf8.encode("zz"), value: utf8.encode("zz"), timestampMs: 0 }]); // reuses wasm regions
    expect(decoded[4].value).toEqual(utf8.encode("v4"));
  });

  it("decodeBatchColumns agrees with decodeBatch", () => {
    const records: RecordInput[] = [
      { key: null, value: utf8.encode("a"), timestampMs: 10, headers: [{ key: "x", value: null }] },
      { key: utf8.encode("k"), value: null, timestampMs: 5 },
      { key: utf8.encode(""), value: utf8.encode("ccc"), timestampMs: 20, headers: [{ key: "y", value: utf8.encode("1") }, { key: "z", value: utf8.encode("22") }] },
    ];
    const c = decodeBatchColumns(encodeBatch(records, { baseOffset: 40 }));
    expect(c.count).toBe(3);
    expect([...c.offsetDelta]).toEqual([0, 1, 2]);
    expect([...c.timestampDeltaMs]).toEqual([0, -5, 10]);
    expect([...c.keyLength]).toEqual([-1, 1, 0]);
    expect([...c.valueLength]).toEqual([1, -1, 3]);
    expect([...c.headerStart]).toEqual([0, 1, 1, 3]);
    expect([...c.headerKeyLength]).toEqual([1, 1, 1]);
    expect([...c.headerValueLength]).toEqual([-1, 1, 2]);
    const text = (pos: number, len: number) => new TextDecoder().decode(c.records.subarray(pos, pos + len));
    expect(text(c.valuePosition[2], 3)).toBe("ccc");
    expect(text(c.headerValuePosition[2], 2)).toBe("22");
    expect(c.header.baseOffset).toBe(40);
  });

  it("grows the header columns when a batch has more headers than ever before", () => {
    const headers = Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, value: null }));
    const records = [{ key: null, value: null, timestampMs: 0, headers }];
    const decoded = decodeBatch(encodeBatch(records)).records[0].headers;
    expect(decoded).toHaveLength(3000);
    expect(decoded.every((h, i) => h.key === `k${i}` && h.value === null)).toBe(true);
  });

  it("setBaseOffset and setPartitionLeaderEpoch rewrite in place and keep the CRC valid", () => {
    const records = Array.from({ length: 3 }, (_, i) => ({ key: null, value: utf8.encode(`v${i}`), timestampMs: 100 + i }));
    const bytes = encodeBatch(records, { compression: Compression.gzip });
    const crc = readBatchHeader(bytes).crc;
    setBaseOffset(bytes, 2 ** 40 + 5);
    setPartitionLeaderEpoch(bytes, 7);
    const header = validateBatch(bytes);
    expect(header).toMatchObject({ baseOffset: 2 ** 40 + 5, partitionLeaderEpoch: 7, crc });
    expect(decodeBatch(bytes).records.map((r) => r.offset)).toEqual([2 ** 40 + 5, 2 ** 40 + 6, 2 ** 40 + 7]);
  });

  it("restampProducer rewrites producer fields with one new CRC, compressed records untouched", () => {
    const records = Array.from({ length: 4 }, (_, i) => ({ key: null, value: utf8.encode(`v${i}`), timestampMs: i }));
    const bytes = encodeBatch(records, { compression: Compression.gzip });
    const payload = bytes.slice(61);
    restampProducer(bytes, { producerId: 2 ** 33, producerEpoch: 12, baseSequence: 2_147_483_000 });
    expect(readBatchHeader(bytes)).toMatchObject({ producerId: 2 ** 33, producerEpoch: 12, baseSequence: 2_147_483_000 });
    expect(readBatchHeader(bytes).crc).toBe(crc32cReference(bytes.subarray(21)));
    expect(bytes.slice(61)).toEqual(payload);
    expectSameRecords(validateBatch(bytes) && decodeBatch(bytes).records, records);
  });

  it("restampProducer's patched CRC equals a full recompute for 300 random batches and stamps", () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 10 }),
        fc.constantFrom<CompressionCodec>(Compression.none, Compression.gzip, Compression.lz4),
        fc.integer({ min: -1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: -1, max: 32_767 }),
        fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        (records, compression, producerId, producerEpoch, baseSequence) => {
          const bytes = encodeBatch(records, { compression });
          restampProducer(bytes, { producerId, producerEpoch, baseSequence });
          expect(readBatchHeader(bytes).crc).toBe(crc32cReference(bytes.subarray(21)));
          expect(readBatchHeader(bytes)).toMatchObject({ producerId, producerEpoch, baseSequence });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("restampProducer sets and clears the transactional bit with the same CRC patch", () => {
    const bytes = encodeBatch([{ key: null, value: utf8.encode("x"), timestampMs: 0 }], {
      transactional: true, producerId: 3, producerEpoch: 1, baseSequence: 0, compression: Compression.gzip,
    });
    restampProducer(bytes, { producerId: 9, producerEpoch: 0, baseSequence: 5, transactional: false });
    expect(validateBatch(bytes)).toMatchObject({ transactional: false, producerId: 9, compression: Compression.gzip });
    restampProducer(bytes, { producerId: 9, producerEpoch: 0, baseSequence: 5, transactional: true });
    expect(validateBatch(bytes)).toMatchObject({ transactional: true, compression: Compression.gzip });
    restampProducer(bytes, { producerId: 9, producerEpoch: 0, baseSequence: 6 });
    expect(validateBatch(bytes)).toMatchObject({ transactional: true, baseSequence: 6 });
  });

  it("restampProducer works on a Buffer view (a batch read into a reused buffer), as on a Uint8Array", () => {
    const batch = encodeBatch([{ key: utf8.encode("k"), value: utf8.encode("v"), timestampMs: 5 }]);
    const arena = Buffer.alloc(batch.length + 100);
    const view = arena.subarray(40, 40 + batch.length);
    view.set(batch);
    restampProducer(view, { producerId: 820_178_000, producerEpoch: 3, baseSequence: 17, transactional: true });
    expect(validateBatch(view)).toMatchObject({ producerId: 820_178_000, producerEpoch: 3, baseSequence: 17, transactional: true });
    expect(decodeBatch(view).records[0].value).toEqual(utf8.encode("v"));
  });

  it("restampProducer keeps a corrupted batch corrupted instead of laundering its CRC", () => {
    const bytes = encodeBatch([{ key: null, value: new Uint8Array(2000), timestampMs: 0 }]);
    bytes[1500] ^= 0x04; // bit rot on disk
    restampProducer(bytes, { producerId: 1, producerEpoch: 0, baseSequence: 0 });
    expect(() => validateBatch(bytes)).toThrow(expect.objectContaining({ statusName: "ERR_BATCH_CRC" }));
    bytes[1500] ^= 0x04; // undo the rot: the patched CRC is exactly right for the intended bytes
    expect(validateBatch(bytes)).toMatchObject({ producerId: 1, producerEpoch: 0, baseSequence: 0 });
  });

  it("restampProducer refuses fields that do not fit their slots", () => {
    const bytes = encodeBatch([{ key: null, value: null, timestampMs: 0 }]);
    const before = bytes.slice();
    expect(() => restampProducer(bytes, { producerId: 1, producerEpoch: 70_000, baseSequence: 0 })).toThrow(/producerEpoch/);
    expect(() => restampProducer(bytes, { producerId: -5, producerEpoch: 0, baseSequence: 0 })).toThrow(/producerId/);
    expect(bytes).toEqual(before);
  });

  it("logAppendTime batches report maxTimestamp for every record, as Kafka does", () => {
    const records = [0, 1, 2].map((i) => ({ key: null, value: null, timestampMs: 1000 + i }));
    const decoded = decodeBatch(encodeBatch(records, { logAppendTime: true })).records;
    expect(decoded.map((r) => r.timestampMs)).toEqual([1002, 1002, 1002]);
  });

  it("refuses bad encoder input with a clear error", () => {
    expect(() => encodeBatch([])).toThrow(/at least one record/);
    expect(() => encodeBatch([{ key: null, value: null, timestampMs: 1.5 }])).toThrow(/timestamp/);
    const one = [{ key: null, value: null, timestampMs: 0 }];
    for (const compression of [5, 7, 8, -1, 1.5]) {
      expect(() => encodeBatch(one, { compression: compression as CompressionCodec })).toThrow(
        expect.objectContaining({ code: "LEDGE_ERR_UNSUPPORTED_COMPRESSION" }),
      );
    }
    expect(() => encodeBatch(one, { producerEpoch: 40_000 })).toThrow(/producerEpoch is 40000/);
    expect(() => encodeBatch(one, { baseSequence: 2 ** 31 })).toThrow(/baseSequence/);
    expect(() => encodeBatch(one, { producerId: -2 })).toThrow(/producerId/);
    expect(() => encodeBatch(one, { baseOffset: 2 ** 53 })).toThrow(/baseOffset/);
    expect(() => encodeBatch(one, { partitionLeaderEpoch: 2 ** 31 })).toThrow(/partitionLeaderEpoch/);
    expect(readBatchHeader(encodeBatch(one, { producerEpoch: 32_767, baseSequence: 2 ** 31 - 1 }))).toMatchObject({
      producerEpoch: 32_767, baseSequence: 2 ** 31 - 1,
    });
  });
});
