// encodeBatchColumns must write exactly the bytes encodeBatch writes for the same records (any
// mix of null keys/values, headers, timestamps, every codec), read only the first `count`
// entries of reused columns, and refuse columns that do not add up.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  Compression, decodeBatch, encodeBatch, encodeBatchColumns, recordBytesMax, type CompressionCodec, type RecordColumns, type RecordInput,
} from "../../runtime/core/index.ts";

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const header = fc.record({ key: fc.string({ maxLength: 12 }), value: fc.option(bytes(20), { nil: null }) });
const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytes(24), { nil: null }),
  value: fc.option(bytes(300), { nil: null }),
  headers: fc.option(fc.array(header, { maxLength: 4 }), { nil: undefined }),
  timestampMs: fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
});

/** The records as columns, with `spare` unused slots and bytes after them (reused columns). */
function toColumns(records: RecordInput[], spare: number): RecordColumns {
  const n = records.length + spare;
  const kv = records.reduce((sum, r) => sum + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);
  const data = new Uint8Array(kv + spare * 7).fill(0xee);
  const columns: RecordColumns = {
    count: records.length, data, keyBytes: new Int32Array(n).fill(99), valueBytes: new Int32Array(n).fill(99),
    headers: new Array(n).fill([{ key: "stale", value: null }]), timestampsMs: new Float64Array(n).fill(1.5),
  };
  let at = 0;
  records.forEach((r, i) => {
    columns.keyBytes[i] = r.key === null ? -1 : r.key.length;
    columns.valueBytes[i] = r.value === null ? -1 : r.value.length;
    if (r.key) data.set(r.key, at), (at += r.key.length);
    if (r.value) data.set(r.value, at), (at += r.value.length);
    (columns.headers as RecordInput["headers"][])[i] = r.headers;
    columns.timestampsMs[i] = r.timestampMs;
  });
  return columns;
}

/** The records as columns with their headers as bytes in `data` (headerCounts/headerLengths). */
function toRawHeaderColumns(records: RecordInput[]): RecordColumns {
  const n = records.length;
  const utf8 = new TextEncoder();
  const parts: Uint8Array[] = [];
  const lengths: number[] = [];
  const columns: RecordColumns = {
    count: n, data: new Uint8Array(0), keyBytes: new Int32Array(n), valueBytes: new Int32Array(n),
    headers: [], timestampsMs: new Float64Array(n), headerCounts: new Int32Array(n),
  };
  records.forEach((r, i) => {
    columns.keyBytes[i] = r.key === null ? -1 : r.key.length;
    columns.valueBytes[i] = r.value === null ? -1 : r.value.length;
    if (r.key) parts.push(r.key);
    if (r.value) parts.push(r.value);
    columns.timestampsMs[i] = r.timestampMs;
    columns.headerCounts![i] = r.headers?.length ?? 0;
    for (const h of r.headers ?? []) {
      const key = utf8.encode(h.key);
      parts.push(key);
      if (h.value) parts.push(h.value);
      lengths.push(key.length, h.value === null ? -1 : h.value.length);
    }
  });
  columns.data = new Uint8Array(Buffer.concat(parts));
  columns.headerLengths = Int32Array.from(lengths);
  return columns;
}

describe("encodeBatchColumns", () => {
  it("with headers given as bytes, writes the same bytes as encodeBatch", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(Compression.none, Compression.lz4), (records, compression) => {
        const expected = encodeBatch(records, { compression, baseOffset: 7 });
        const actual = encodeBatchColumns(toRawHeaderColumns(records), { compression, baseOffset: 7 });
        expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 300, seed: 5 },
    );
    // Lengths that run past the data are refused, header bytes counted.
    const one: RecordInput = { key: null, value: new Uint8Array(2), headers: [{ key: "k", value: new Uint8Array(3) }], timestampMs: 1_700_000_000_000 };
    const short = toRawHeaderColumns([one]);
    short.data = short.data.subarray(0, 5);
    expect(() => encodeBatchColumns(short)).toThrow(/key, value and header lengths add up to 6 bytes, data holds 5/);
  });

  it("writes the same bytes as encodeBatch for any records, codec and spare capacity", () => {
    const codecs: CompressionCodec[] = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4];
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 40 }), fc.nat(5), fc.constantFrom(...codecs), (records, spare, compression) => {
        const expected = encodeBatch(records, { compression, baseOffset: 7 });
        const actual = encodeBatchColumns(toColumns(records, spare), { compression, baseOffset: 7 });
        expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it("writes into the caller's buffer when given one, and recordBytesMax bounds every record", () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 40 }), (records) => {
        const expected = encodeBatch(records, { baseOffset: 7 });
        const given: Uint8Array[] = [];
        const actual = encodeBatchColumns(toColumns(records, 2), { baseOffset: 7 }, (n) => {
          const b = new Uint8Array(n + 10).subarray(0, n);
          given.push(b);
          return b;
        });
        expect(given).toHaveLength(1);
        expect(actual).toBe(given[0]);
        expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
        const bound = records.reduce((n, r) => n + recordBytesMax(r.key?.length ?? -1, r.value?.length ?? -1, r.headers), 61);
        expect(expected.length).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 200, seed: 5 },
    );
  });

  it("encodes a batch that decodes to the records (shared header lists)", () => {
    const shared = [{ key: "mqtt.qos", value: new Uint8Array([0x31]) }];
    const records: RecordInput[] = Array.from({ length: 100 }, (_, i) => ({
      key: Buffer.from(`t/${i % 3}`), value: Buffer.alloc(200, i), headers: shared, timestampMs: 1_700_000_000_000 + i,
    }));
    const decoded = decodeBatch(encodeBatchColumns(toColumns(records, 0)));
    expect(decoded.records).toHaveLength(100);
    expect(Buffer.from(decoded.records[42].key!).toString()).toBe("t/0");
    expect(decoded.records[42].value).toEqual(new Uint8Array(200).fill(42));
    expect(decoded.records[42].headers).toEqual([{ key: "mqtt.qos", value: new Uint8Array([0x31]) }]);
    expect(decoded.records[99].timestampMs).toBe(1_700_000_000_099);
  });

  it("refuses no records, lengths past the data, and timestamps that are not integers", () => {
    const one: RecordInput = { key: null, value: Buffer.from("abc"), timestampMs: 1 };
    expect(() => encodeBatchColumns({ ...toColumns([one], 2), count: 0 })).toThrow(/at least one record/);
    const short = toColumns([one], 0);
    short.valueBytes[0] = 4;
    expect(() => encodeBatchColumns(short)).toThrow(/add up to 4 bytes, data holds 3/);
    const fractional = toColumns([one], 0);
    fractional.timestampsMs[0] = 1.5;
    expect(() => encodeBatchColumns(fractional)).toThrow(/not an integer/);
  });
});
