// Byte-level primitives, headers and the frame reader: known encodings, round trips, and
// every kind of truncated or forged input raising KafkaCodecError instead of crashing.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { Reader, KafkaCodecError } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import * as T from "../../runtime/kafka/protocol/types.ts";
import { FrameReader } from "../../runtime/kafka/protocol/frame.ts";
import { readRequestHeader, writeRequestHeader } from "../../runtime/kafka/protocol/headers.ts";
import { errorInfo, kafkaErrorTable, ErrorCode } from "../../runtime/kafka/errors.ts";

const bytesOf = <V>(t: T.Type<V>, v: V) => {
  const w = new Writer();
  t.write(w, v);
  return Array.from(w.toBytes());
};
const readBack = <V>(t: T.Type<V>, b: number[]) => t.read(new Reader(Uint8Array.from(b)));

describe("primitives", () => {
  it("encode Kafka's known byte forms", () => {
    expect(bytesOf(T.int16, -2)).toEqual([0xff, 0xfe]);
    expect(bytesOf(T.int64, -1)).toEqual([255, 255, 255, 255, 255, 255, 255, 255]);
    // Long.MAX_VALUE reads as the double 2^63 and must write back as itself, not as -2^63
    // (found by `npm run fuzz -- kafka-requests`; test/fixtures/fuzz/found-fetch-int64-max.request.bin).
    const longMax = [0x7f, 255, 255, 255, 255, 255, 255, 255];
    expect(bytesOf(T.int64, readBack(T.int64, longMax))).toEqual(longMax);
    expect(bytesOf(T.uvarint, 300)).toEqual([0xac, 0x02]);
    expect(bytesOf(T.string, "ab")).toEqual([0, 2, 0x61, 0x62]);
    expect(bytesOf(T.nullableString, null)).toEqual([0xff, 0xff]);
    expect(bytesOf(T.compactNullableString, null)).toEqual([0]);
    expect(bytesOf(T.compactString, "")).toEqual([1]);
    expect(bytesOf(T.nullableBytes, null)).toEqual([0xff, 0xff, 0xff, 0xff]);
    expect(bytesOf(T.compactArray(T.int8), [1, 2])).toEqual([3, 1, 2]);
    expect(bytesOf(T.array(T.int8), [5])).toEqual([0, 0, 0, 1, 5]);
    expect(bytesOf(T.taggedFields, undefined)).toEqual([0]);
  });

  it("zigzag varint and varlong round-trip over their ranges", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
      const w = new Writer();
      w.varint(v);
      expect(new Reader(w.toBytes()).varint()).toBe(v);
    }));
    fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
      const w = new Writer();
      w.varlong(v);
      expect(new Reader(w.toBytes()).varlong()).toBe(v);
    }));
  });

  it("struct with flexible tag buffer skips unknown tags on read", () => {
    const s = T.struct({ a: T.int8, b: T.compactString }, true);
    // a=1, b="x", then 1 tag: tag 5, size 2, bytes [9,9]
    expect(readBack(s, [1, 2, 0x78, 1, 5, 2, 9, 9])).toEqual({ a: 1, b: "x" });
    expect(bytesOf(s, { a: 1, b: "x" })).toEqual([1, 2, 0x78, 0]);
  });

  it("growing the buffer mid-write loses no byte (every field kind crosses a growth)", () => {
    const w = new Writer(1);
    const expected: number[] = [];
    for (let i = 0; i < 300; i++) {
      w.int8(i & 0x7f).int16(i).int32(-i).uvarint(i * 1000).varlong(-i).raw(Uint8Array.of(i & 0xff, 1, 2));
      const ref = new Writer(4096);
      ref.int8(i & 0x7f).int16(i).int32(-i).uvarint(i * 1000).varlong(-i).raw(Uint8Array.of(i & 0xff, 1, 2));
      expected.push(...ref.toBytes());
    }
    expect(Array.from(w.toBytes())).toEqual(expected);
  });

  it("large byte fields are kept by reference, not copied", () => {
    const big = new Uint8Array(10_000).fill(7);
    const w = new Writer();
    w.int32(big.length).raw(big).int8(1);
    const chunks = w.chunks();
    expect(chunks.some((c) => c === big)).toBe(true);
    expect(w.length).toBe(10_005);
  });

  const truncated: Array<[string, T.Type<unknown>, number[]]> = [
    ["int32", T.int32, [0, 0, 1]],
    ["string length past end", T.string, [0, 9, 0x61]],
    ["null non-nullable string", T.string, [0xff, 0xff]],
    ["negative string length", T.nullableString, [0xff, 0xf0]],
    ["array count past end", T.array(T.int32), [0x7f, 0xff, 0xff, 0xff]],
    ["negative array count", T.array(T.int32), [0xff, 0xff, 0xff, 0xf0]],
    ["bytes length past end", T.bytes, [0, 0, 0, 9, 1]],
    ["uvarint too long", T.uvarint, [0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
    ["compact string past end", T.compactString, [10, 0x61]],
    ["tag size past end", T.taggedFields, [1, 0, 50, 1]],
  ];
  for (const [name, type, b] of truncated) {
    it(`rejects ${name} with KafkaCodecError`, () => {
      expect(() => readBack(type, b)).toThrow(KafkaCodecError);
    });
  }

  it("never throws anything but KafkaCodecError on random bytes", () => {
    const s = T.struct({ a: T.nullableString, b: T.array(T.struct({ c: T.int64, d: T.compactNullableBytes }, true)) });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      try {
        s.read(new Reader(b));
      } catch (err) {
        expect(err).toBeInstanceOf(KafkaCodecError);
      }
    }), { numRuns: 2000 });
  });
});

describe("request header", () => {
  for (const flexible of [false, true]) {
    it(`v${flexible ? 2 : 1} round-trips`, () => {
      const w = new Writer();
      const h = { apiKey: 3, apiVersion: 7, correlationId: 99, clientId: "rdkafka" };
      writeRequestHeader(w, h, flexible);
      const bytes = w.toBytes();
      expect(bytes.length).toBe(8 + 2 + 7 + (flexible ? 1 : 0));
      const r = new Reader(bytes);
      expect(readRequestHeader(r, flexible)).toEqual(h);
      expect(r.remaining).toBe(0);
    });
  }
});

describe("frame reader", () => {
  const frame = (payload: number[]) => {
    const b = Buffer.alloc(4 + payload.length);
    b.writeInt32BE(payload.length);
    Buffer.from(payload).copy(b, 4);
    return b;
  };

  it("reassembles frames split at every byte boundary", () => {
    const stream = Buffer.concat([frame([1, 2, 3]), frame([]), frame([4])]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const fr = new FrameReader(100);
      const events = [...fr.push(stream.subarray(0, cut)), ...fr.push(stream.subarray(cut))];
      expect(events.map((e) => (e.kind === "frame" ? Array.from(e.payload) : e))).toEqual([[1, 2, 3], [], [4]]);
    }
  });

  it("rejects a negative size and a size above the limit before buffering", () => {
    const neg = new FrameReader(100).push(Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2]));
    expect(neg).toEqual([{ kind: "bad-size", size: -2 }]);
    const fr = new FrameReader(100);
    expect(fr.push(Buffer.from([0, 0, 0, 101]))).toEqual([{ kind: "bad-size", size: 101 }]);
    expect(fr.bufferedBytes).toBe(0);
  });

  it("holds a truncated frame until the rest arrives", () => {
    const fr = new FrameReader(100);
    expect(fr.push(Buffer.from([0, 0, 0, 3, 1]))).toEqual([]);
    expect(fr.bufferedBytes).toBe(1);
  });
});

describe("errors table", () => {
  it("names known codes and gives unknown codes UNKNOWN_KAFKA_ERROR instead of throwing", () => {
    expect(errorInfo(0)).toMatchObject({ code: 0, name: "NONE" });
    expect(errorInfo(2)).toMatchObject({ code: 2, name: "CORRUPT_MESSAGE", retriable: true });
    expect(errorInfo(31337)).toMatchObject({ code: 31337, name: "UNKNOWN_KAFKA_ERROR", retriable: false });
    expect(errorInfo(31337).message).toContain("31337");
    expect(new Set(kafkaErrorTable.map((x) => x.code)).size).toBe(kafkaErrorTable.length);
    expect(new Set(kafkaErrorTable.map((x) => x.name)).size).toBe(kafkaErrorTable.length);
  });

  it("holds the codes transactions answer with, numbered as Kafka's Errors.java numbers them", () => {
    // Numbers written out from Kafka's list (not read from the table under test).
    expect({
      INVALID_PRODUCER_EPOCH: ErrorCode.INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE: ErrorCode.INVALID_TXN_STATE,
      INVALID_PRODUCER_ID_MAPPING: ErrorCode.INVALID_PRODUCER_ID_MAPPING, INVALID_TRANSACTION_TIMEOUT: ErrorCode.INVALID_TRANSACTION_TIMEOUT,
      CONCURRENT_TRANSACTIONS: ErrorCode.CONCURRENT_TRANSACTIONS, TRANSACTION_COORDINATOR_FENCED: ErrorCode.TRANSACTION_COORDINATOR_FENCED,
      TRANSACTIONAL_ID_AUTHORIZATION_FAILED: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, UNKNOWN_PRODUCER_ID: ErrorCode.UNKNOWN_PRODUCER_ID,
      INVALID_RECORD: ErrorCode.INVALID_RECORD, UNSTABLE_OFFSET_COMMIT: ErrorCode.UNSTABLE_OFFSET_COMMIT, PRODUCER_FENCED: ErrorCode.PRODUCER_FENCED,
      TRANSACTIONAL_ID_NOT_FOUND: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, TRANSACTION_ABORTABLE: ErrorCode.TRANSACTION_ABORTABLE,
    }).toEqual({
      INVALID_PRODUCER_EPOCH: 47, INVALID_TXN_STATE: 48, INVALID_PRODUCER_ID_MAPPING: 49, INVALID_TRANSACTION_TIMEOUT: 50,
      CONCURRENT_TRANSACTIONS: 51, TRANSACTION_COORDINATOR_FENCED: 52, TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53, UNKNOWN_PRODUCER_ID: 59,
      INVALID_RECORD: 87, UNSTABLE_OFFSET_COMMIT: 88, PRODUCER_FENCED: 90, TRANSACTIONAL_ID_NOT_FOUND: 105, TRANSACTION_ABORTABLE: 120,
    });
    expect(errorInfo(51)).toMatchObject({ name: "CONCURRENT_TRANSACTIONS", retriable: true });
    expect(errorInfo(90)).toMatchObject({ name: "PRODUCER_FENCED", retriable: false });
  });

  it("ErrorCode holds exactly the table's names and codes", () => {
    expect(Object.entries(ErrorCode)).toEqual(kafkaErrorTable.map((e) => [e.name, e.code]));
    expect(Object.isFrozen(ErrorCode)).toBe(true);
  });
});
