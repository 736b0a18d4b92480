// Produce validation in Kafka's order (kafka-protocol.md section 2): each rule broken on its own
// gives its typed error and Kafka error code; hand-built records break each varint/length rule.
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Compression, decodeBatch, encodeBatch, validateBatch } from "../../runtime/core/index.ts";
import { batchAround, rawRecord, recordBody, reseal, utf8, varint } from "./batch-fixtures.ts";

const good = () =>
  encodeBatch(
    [0, 1, 2].map((i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`value ${i}`), timestampMs: 1000 + i })),
    { producerId: 5, producerEpoch: 0, baseSequence: 0 },
  );

function expectFailure(bytes: Uint8Array, statusName: string, kafkaErrorCode: number, limits = {}): void {
  let thrown: unknown;
  try {
    validateBatch(bytes, limits);
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected ${statusName}`).toMatchObject({ statusName, kafkaErrorCode });
}

function edit(bytes: Uint8Array, fn: (view: DataView) => void, resealAfter = true): Uint8Array {
  fn(new DataView(bytes.buffer, bytes.byteOffset, bytes.length));
  return resealAfter ? reseal(bytes) : bytes;
}

describe("validateBatch: header rules in Kafka's order", () => {
  it("accepts a well-formed idempotent batch", () => {
    expect(validateBatch(good())).toMatchObject({ recordCount: 3, producerId: 5, baseSequence: 0 });
  });

  it("rejects fewer than 61 bytes as truncated (CORRUPT_MESSAGE)", () => {
    expectFailure(good().subarray(0, 60), "ERR_BATCH_TRUNCATED", 2);
    expectFailure(new Uint8Array(0), "ERR_BATCH_TRUNCATED", 2);
  });

  it("rejects a batch shorter than its batchLength, and bytes after it", () => {
    const bytes = good();
    expectFailure(bytes.subarray(0, bytes.length - 1), "ERR_BATCH_TRUNCATED", 2);
    const longer = new Uint8Array(bytes.length + 3);
    longer.set(bytes);
    expectFailure(longer, "ERR_BATCH_TRAILING_BYTES", 87);
    expectFailure(edit(good(), (v) => v.setInt32(8, 48), false), "ERR_BATCH_LENGTH", 2);
    expectFailure(edit(good(), (v) => v.setInt32(8, -1), false), "ERR_BATCH_LENGTH", 2);
  });

  it("rejects a batch over maxBatchBytes (MESSAGE_TOO_LARGE) before reading its CRC", () => {
    const bytes = good();
    expectFailure(bytes, "ERR_BATCH_TOO_LARGE", 10, { maxBatchBytes: bytes.length - 1 });
    expect(() => validateBatch(bytes, { maxBatchBytes: bytes.length - 1 })).toThrow(expect.objectContaining({ code: "LEDGE_ERR_BATCH_TOO_LARGE" }));
    expect(() => validateBatch(bytes, { maxBatchBytes: bytes.length })).not.toThrow();
  });

  it("rejects magic other than 2 (INVALID_RECORD)", () => {
    expectFailure(edit(good(), (v) => v.setInt8(16, 1), false), "ERR_BATCH_MAGIC", 87);
    expect(() => validateBatch(edit(good(), (v) => v.setInt8(16, 1), false))).toThrow(expect.objectContaining({ code: "LEDGE_ERR_INVALID_RECORD" }));
  });

  it("rejects any flipped bit under the CRC (CORRUPT_MESSAGE), on small and large batches", () => {
    for (const bytes of [good(), encodeBatch([{ key: null, value: new Uint8Array(100_000), timestampMs: 0 }])]) {
      for (const at of [17, 21, 30, 61, bytes.length - 1]) {
        const copy = bytes.slice();
        copy[at] ^= 0x10;
        expectFailure(copy, "ERR_BATCH_CRC", 2);
      }
    }
  });

  it("rejects lastOffsetDelta + 1 != recordCount and recordCount <= 0", () => {
    expectFailure(edit(good(), (v) => v.setInt32(23, 1)), "ERR_BATCH_RECORD_COUNT", 87);
    expectFailure(edit(good(), (v) => { v.setInt32(23, -1); v.setInt32(57, 0); }), "ERR_BATCH_RECORD_COUNT", 87);
  });

  it("rejects a control batch from a client", () => {
    expectFailure(edit(good(), (v) => v.setInt16(21, 0x20)), "ERR_BATCH_CONTROL", 87);
  });

  it("rejects a producerId with a negative baseSequence", () => {
    expectFailure(edit(good(), (v) => v.setInt32(53, -1)), "ERR_BATCH_SEQUENCE", 87);
  });

  it("rejects codec ids 5..7 (UNSUPPORTED_COMPRESSION_TYPE)", () => {
    for (const codec of [5, 6, 7]) expectFailure(edit(good(), (v) => v.setInt16(21, codec)), "ERR_UNSUPPORTED_COMPRESSION", 76);
  });

  it("checks in Kafka's order: size, magic, CRC, then header rules, then codec and records", () => {
    const tooBigAndBadMagic = edit(good(), (v) => v.setInt8(16, 1), false);
    expectFailure(tooBigAndBadMagic, "ERR_BATCH_TOO_LARGE", 10, { maxBatchBytes: 61 });
    expectFailure(edit(good(), (v) => { v.setInt8(16, 1); v.setUint32(17, 0); }, false), "ERR_BATCH_MAGIC", 87);
    expectFailure(edit(good(), (v) => { v.setInt32(23, 7); v.setUint32(17, 0); }, false), "ERR_BATCH_CRC", 2);
    // A control batch is refused from its header, before its (huge) records are decompressed.
    const bomb = batchAround(gzipSync(new Uint8Array(10_000_000)), 1, { compression: Compression.gzip });
    expectFailure(edit(bomb, (v) => v.setInt16(21, 0x21)), "ERR_BATCH_CONTROL", 87, { maxDecompressedBytes: 1000 });
    expectFailure(edit(good(), (v) => { v.setInt16(21, 7); v.setInt32(23, 5); }), "ERR_BATCH_RECORD_COUNT", 87);
  });

  it("does not check baseOffset (the Kafka listener does; the log re-stores assigned batches)", () => {
    expect(() => validateBatch(edit(good(), (v) => v.setInt32(4, 99), false))).not.toThrow();
  });
});

describe("validateBatch: every record is walked", () => {
  const one = (body: number[]) => batchAround(new Uint8Array(rawRecord(body)), 1);

  it("accepts hand-built records equal to what the encoder writes", () => {
    const records = [...rawRecord(recordBody(0, [1], null)), ...rawRecord(recordBody(1, null, [2, 3], [[...varint(1), 104, ...varint(-1)]]))];
    expect(validateBatch(batchAround(new Uint8Array(records), 2)).recordCount).toBe(2);
  });

  it("rejects a varint longer than 5 bytes and a varlong longer than 10", () => {
    const long10 = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];
    expect(() => validateBatch(one([0, ...long10, ...varint(0), ...varint(-1), ...varint(-1), 0]))).not.toThrow();
    expectFailure(one([0, 0x80, ...long10, ...varint(0), ...varint(-1), ...varint(-1), 0]), "ERR_RECORD_VARINT", 87);
    expectFailure(one([0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, ...varint(-1), ...varint(-1), 0]), "ERR_RECORD_VARINT", 87);
  });

  it("rejects a record length past the section, zero, or not matching its fields", () => {
    const body = recordBody(0, [1], [2]);
    expectFailure(batchAround(new Uint8Array([...varint(body.length + 1), ...body]), 1), "ERR_RECORD_LENGTH", 87);
    expectFailure(batchAround(new Uint8Array([...varint(0), ...body]), 1), "ERR_RECORD_LENGTH", 87);
    expectFailure(batchAround(new Uint8Array([...varint(-3), ...body]), 1), "ERR_RECORD_LENGTH", 87);
    expectFailure(batchAround(new Uint8Array([...varint(body.length + 1), ...body, 0]), 1), "ERR_RECORD_LENGTH", 87);
  });

  it("rejects key/value lengths below -1 or past the record, and null header keys", () => {
    expectFailure(one([0, 0, 0, ...varint(-2), ...varint(-1), 0]), "ERR_RECORD_FIELD_LENGTH", 87);
    expectFailure(one([0, 0, 0, ...varint(-1), ...varint(40), 1, 2, 0]), "ERR_RECORD_FIELD_LENGTH", 87);
    expectFailure(one(recordBody(0, null, null, [[...varint(-1), ...varint(-1)]])), "ERR_RECORD_FIELD_LENGTH", 87);
    expectFailure(one(recordBody(0, null, null, [[...varint(1), 104, ...varint(-2)]])), "ERR_RECORD_FIELD_LENGTH", 87);
    expectFailure(one([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(-1)]), "ERR_RECORD_FIELD_LENGTH", 87);
  });

  it("rejects a header count larger than the record holds without looping on it", () => {
    expectFailure(one([0, 0, 0, ...varint(-1), ...varint(-1), ...varint(2_000_000_000)]), "ERR_RECORD_VARINT", 87);
  });

  it("with requireKeys (compacted topics), rejects a record with a null key; an empty key is a key", () => {
    const records = [...rawRecord(recordBody(0, [], [1])), ...rawRecord(recordBody(1, null, [2]))];
    const bytes = batchAround(new Uint8Array(records), 2);
    expect(() => validateBatch(bytes)).not.toThrow();
    expectFailure(bytes, "ERR_RECORD_KEY_MISSING", 87, { requireKeys: true });
    const keyed = batchAround(new Uint8Array(rawRecord(recordBody(0, [], [1]))), 1);
    expect(() => validateBatch(keyed, { requireKeys: true })).not.toThrow();
  });

  it("rejects offsetDeltas other than 0, 1, 2, ...", () => {
    const records = [...rawRecord(recordBody(0, null, null)), ...rawRecord(recordBody(2, null, null))];
    expectFailure(batchAround(new Uint8Array(records), 2), "ERR_RECORD_OFFSET_DELTA", 87);
  });

  it("rejects fewer or more records than recordCount", () => {
    const two = [...rawRecord(recordBody(0, null, null)), ...rawRecord(recordBody(1, null, null))];
    expectFailure(batchAround(new Uint8Array(two), 3), "ERR_RECORD_COUNT_MISMATCH", 87);
    expectFailure(batchAround(new Uint8Array(two), 1), "ERR_RECORD_COUNT_MISMATCH", 87);
    expectFailure(batchAround(new Uint8Array(two), 1_000_000), "ERR_RECORD_COUNT_MISMATCH", 87);
  });

  it("walks gzip records after decompressing, and caps the decompressed size", () => {
    const records = new Uint8Array([...rawRecord(recordBody(0, null, null)), ...rawRecord(recordBody(5, null, null))]);
    const bad = batchAround(gzipSync(records), 2, { compression: Compression.gzip });
    expectFailure(bad, "ERR_RECORD_OFFSET_DELTA", 87);
    const bomb = batchAround(gzipSync(new Uint8Array(10_000_000)), 1, { compression: Compression.gzip });
    expectFailure(bomb, "ERR_DECOMPRESSED_TOO_LARGE", 10, { maxDecompressedBytes: 1_000_000 });
    const garbage = batchAround(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), 1, { compression: Compression.gzip });
    expectFailure(garbage, "ERR_MALFORMED_COMPRESSED_DATA", 2);
  });
});

describe("decodeBatch reads what the log stores", () => {
  it("decodes compacted batches (gaps in offsetDelta) and empty ones, which validate rejects", () => {
    const gap = [...rawRecord(recordBody(0, null, [1])), ...rawRecord(recordBody(3, null, [2]))];
    const bytes = edit(batchAround(new Uint8Array(gap), 2), (v) => v.setInt32(23, 4));
    expect(decodeBatch(bytes).records.map((r) => r.offset)).toEqual([0, 3]);
    expectFailure(bytes, "ERR_BATCH_RECORD_COUNT", 87);
    const empty = edit(batchAround(new Uint8Array(0), 0), (v) => v.setInt32(23, 4));
    expect(decodeBatch(empty).records).toEqual([]);
  });

  it("still checks the CRC and structure", () => {
    const bytes = good();
    bytes[70] ^= 1;
    expect(() => decodeBatch(bytes)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_CORRUPT_BATCH" }));
    const beyond = [...rawRecord(recordBody(0, null, null)), ...rawRecord(recordBody(7, null, null))];
    expect(() => decodeBatch(edit(batchAround(new Uint8Array(beyond), 2), (v) => v.setInt32(23, 4)))).toThrow(
      expect.objectContaining({ statusName: "ERR_RECORD_OFFSET_DELTA" }),
    );
  });
});
