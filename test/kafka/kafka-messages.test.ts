// ledge's codec against Kafka's own message definitions (reference/messages.ts), for every
// version ledge has a codec for: every advertised version, plus versions the bridge sends.
// For each request and response, a body whose every leaf holds a distinct value is encoded by
// the independent reference codec; ledge must decode it to the same object (same names, same
// values, every byte consumed) and encode that object back to the same bytes. A field ledge
// reads or writes in the wrong place, with the wrong type or in the wrong versions fails here.
// A second body puts null in every field Kafka allows to be null. Every strict prefix of a
// body must fail with KafkaCodecError; the transaction APIs also go through whole frames in the
// listener's direction and get forged counts, lengths and tags.
import { describe, it, expect } from "vitest";
import { ApiKey, apiTable, isFlexible } from "../../runtime/kafka/apis/index.ts";
import { codecVersions, messageVersion } from "../../runtime/kafka/apis/codecs.ts";
import { KafkaCodecError, Reader } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { decodeRequest, encodeResponse } from "../../runtime/kafka/protocol/request-response.ts";
import * as reference from "./reference/codec.ts";
import { encodeBody, fieldsAt, inVersions, isFlexibleVersion, schemas, type Field, type Side } from "./reference/codec.ts";

/** Distinct values per leaf, so two fields of one type cannot trade places unnoticed. */
function sample(fields: Field[], version: number, nulls: boolean, next: () => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsAt(fields, version)) {
    const n = next();
    if (nulls && inVersions(f.nullableVersions, version)) out[f.name] = null;
    else if (f.type === "int8") out[f.name] = n % 100;
    else if (f.type === "int16") out[f.name] = 1000 + n;
    else if (f.type === "int32") out[f.name] = 100_000 + n;
    else if (f.type === "int64") out[f.name] = 2 ** 40 + n;
    else if (f.type === "bool") out[f.name] = n % 2 === 1;
    else if (f.type === "string") out[f.name] = `${f.kafkaName}-${n}`;
    else if (f.type === "bytes" || f.type === "records") out[f.name] = Uint8Array.of(n & 0xff, 0xa5, n >> 8);
    else if (f.type === "[]string") out[f.name] = [`${f.kafkaName}-${n}a`, `${f.kafkaName}-${n}b`];
    else if (f.type === "[]int32") out[f.name] = [200_000 + n, 300_000 + n];
    else if (f.type === "[]int64") out[f.name] = [2 ** 41 + n, 2 ** 42 + n];
    else out[f.name] = [sample(f.children, version, nulls, next), sample(f.children, version, nulls, next)];
  }
  return out;
}

function samples(fields: Field[], version: number): Array<[string, Record<string, unknown>]> {
  let n = 0;
  const next = () => ++n;
  return [["distinct values", sample(fields, version, false, next)], ["nulls where Kafka allows them", sample(fields, version, true, next)]];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("ledge's codec follows Kafka's message definitions", () => {
  it("the reference table covers every API ledge has a codec for, with Kafka's flexible versions", () => {
    for (const row of apiTable) {
      const s = schemas.get(row.apiKey);
      expect(s, `add Kafka's facts for ${row.name} to test/kafka/reference/messages.ts`).toBeDefined();
      expect(s!.name).toBe(row.name);
      for (const v of codecVersions(row.apiKey)) {
        expect(isFlexible(row.apiKey, v), `${row.name} v${v} flexible`).toBe(isFlexibleVersion(row.apiKey, v));
        const m = messageVersion(row.apiKey, v)!;
        expect(m.request.flexible, `${row.name} v${v} request struct`).toBe(isFlexibleVersion(row.apiKey, v));
        expect(m.response.flexible, `${row.name} v${v} response struct`).toBe(isFlexibleVersion(row.apiKey, v));
      }
    }
  });

  for (const row of apiTable) {
    for (const version of codecVersions(row.apiKey)) {
      for (const side of ["request", "response"] as Side[]) {
        it(`${row.name} v${version} ${side}`, () => {
          const ledge = messageVersion(row.apiKey, version)![side];
          for (const [what, body] of samples(schemas.get(row.apiKey)![side], version)) {
            const kafkaBytes = encodeBody(row.apiKey, version, side, body);
            const r = new Reader(kafkaBytes);
            const decoded = ledge.read(r);
            expect(r.remaining, `${what}: bytes ledge left unread`).toBe(0);
            expect(decoded, `${what}: ledge's decoding`).toEqual(body);
            const w = new Writer();
            ledge.write(w, body);
            expect(hex(w.toBytes()), `${what}: ledge's encoding`).toBe(hex(kafkaBytes));
          }
        });
      }
    }
  }
});

describe("bad input fails with KafkaCodecError, never a wrong value or a crash", () => {
  for (const row of apiTable) {
    it(`${row.name}: every strict prefix of every version's request and response body`, () => {
      for (const version of codecVersions(row.apiKey)) {
        for (const side of ["request", "response"] as Side[]) {
          const ledge = messageVersion(row.apiKey, version)![side];
          const [[, body]] = samples(schemas.get(row.apiKey)![side], version);
          const b = encodeBody(row.apiKey, version, side, body);
          for (let n = 0; n < b.length; n++) {
            expect(() => ledge.read(new Reader(b.subarray(0, n))), `v${version} ${side}, ${n} of ${b.length} bytes`).toThrow(KafkaCodecError);
          }
        }
      }
    });
  }
});

const transactionApis = [
  ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.TxnOffsetCommit,
  ApiKey.DescribeTransactions, ApiKey.ListTransactions,
];

describe("the transaction APIs, in the direction the coordinator serves them", () => {
  it("have codecs for Kafka's client versions: v0-v3 (v3 flexible), and v0 (flexible) for the admin views", () => {
    for (const key of [ApiKey.AddPartitionsToTxn, ApiKey.AddOffsetsToTxn, ApiKey.EndTxn, ApiKey.TxnOffsetCommit]) {
      expect(codecVersions(key)).toEqual([0, 1, 2, 3]);
      expect([0, 1, 2, 3].map((v) => isFlexible(key, v))).toEqual([false, false, false, true]);
    }
    for (const key of [ApiKey.DescribeTransactions, ApiKey.ListTransactions]) {
      expect(codecVersions(key)).toEqual([0]);
      expect(isFlexible(key, 0)).toBe(true);
    }
  });

  for (const apiKey of transactionApis) {
    for (const version of codecVersions(apiKey)) {
      const name = `${reference.schemaOf(apiKey).name} v${version}`;
      it(`${name}: a client's request frame decodes, ledge's response frame reads back in Kafka's terms`, () => {
        const header = { apiKey, apiVersion: version, correlationId: 0x1234567, clientId: "txn-client" };
        const [[, request]] = samples(schemas.get(apiKey)!.request, version);
        const decoded = decodeRequest(reference.encodeRequest(header, request));
        expect(decoded.header).toEqual(header);
        expect(decoded.body).toEqual(request);
        const [[, response]] = samples(schemas.get(apiKey)!.response, version);
        const frame = encodeResponse(apiKey, version, header.correlationId, response).toBytes();
        expect(reference.decodeResponse(apiKey, version, frame)).toEqual({ correlationId: header.correlationId, body: response });
      });
    }
  }

  /** Reads a whole body, as the listener does. */
  const read = (apiKey: number, version: number, bytes: number[]) => messageVersion(apiKey, version)!.request.read(new Reader(Uint8Array.from(bytes)));
  const producer = [0, 0, 0, 0, 0, 0, 0, 7, 0, 1]; // producer_id 7, producer_epoch 1

  it("a null transactional id (compact length 0) is refused, not read as an empty one", () => {
    expect(() => read(ApiKey.TxnOffsetCommit, 3, [0x00, 0x02, 0x67, ...producer])).toThrow(/null where a non-null compact string/);
    expect(() => read(ApiKey.AddOffsetsToTxn, 0, [0xff, 0xff])).toThrow(KafkaCodecError);
  });

  it("a string length below -1 is refused", () => {
    expect(() => read(ApiKey.AddOffsetsToTxn, 0, [0xff, 0xfe, ...producer])).toThrow(/negative string length -2/);
  });

  it("a forged topic count cannot allocate: it is checked against the bytes left", () => {
    const body = [0, 1, 0x74, 0, 1, 0x67, ...producer, 0x7f, 0xff, 0xff, 0xff];
    expect(() => read(ApiKey.TxnOffsetCommit, 0, body)).toThrow(/array count 2147483647 exceeds/);
    // ListTransactions: no state filters, then 2^32-2 producer id filters.
    expect(() => read(ApiKey.ListTransactions, 0, [0x01, 0xff, 0xff, 0xff, 0xff, 0x0f])).toThrow(/array count \d+ exceeds/);
  });

  it("a compact count longer than a 32-bit uvarint is refused", () => {
    expect(() => read(ApiKey.DescribeTransactions, 0, [0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toThrow(/uvarint longer than 5 bytes/);
  });

  it("a tagged field longer than the body is refused", () => {
    const endTxnV3 = [0x02, 0x74, ...producer, 1];
    expect(read(ApiKey.EndTxn, 3, [...endTxnV3, 0x00])).toEqual({ transactionalId: "t", producerId: 7, producerEpoch: 1, committed: true });
    expect(() => read(ApiKey.EndTxn, 3, [...endTxnV3, 0x01, 0x00, 0x64, 0xaa])).toThrow(/truncated bytes/);
  });

  it("tagged fields from a newer client are skipped, at the top level and inside topics and partitions", () => {
    const version = 3;
    const [[, body]] = samples(schemas.get(ApiKey.TxnOffsetCommit)!.request, version);
    const kafka = Array.from(encodeBody(ApiKey.TxnOffsetCommit, version, "request", body));
    const tag = [0x01, 0x05, 0x02, 0xab, 0xcd]; // one tag (5) of two bytes
    // The last three bytes close the last partition, its topic and the request.
    const tagged = [...kafka.slice(0, -3), ...tag, ...tag, ...tag];
    const r = new Reader(Uint8Array.from(tagged));
    expect(messageVersion(ApiKey.TxnOffsetCommit, version)!.request.read(r)).toEqual(body);
    expect(r.remaining).toBe(0);
  });
});
