// The API table, the codecs and the handlers agree: every advertised version of every API has
// a codec and a handler, flexible versions are exactly those at or above flexibleFrom, and
// every version's request and response round-trip byte-exact from their default values.
import { describe, it, expect } from "vitest";
import { apiTable, isFlexible } from "../../runtime/kafka/apis/index.ts";
import { codecVersions, messageVersion } from "../../runtime/kafka/apis/codecs.ts";
import { hasHandler } from "../../gateways/kafka/handlers/index.ts";
import { Reader } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import type { Struct } from "../../runtime/kafka/protocol/types.ts";

function roundTrip(s: Struct): void {
  const w = new Writer();
  s.write(w, {});
  const bytes = w.toBytes();
  const r = new Reader(bytes);
  const decoded = s.read(r);
  expect(r.remaining).toBe(0);
  const w2 = new Writer();
  s.write(w2, decoded);
  expect(Buffer.from(w2.toBytes())).toEqual(Buffer.from(bytes));
}

describe("API table", () => {
  it("advertises the ranges kafka-protocol.md 1b asks for", () => {
    const ranges = Object.fromEntries(apiTable.map((r) => [r.name, [r.minVersion, r.maxVersion]]));
    expect(ranges).toMatchObject({
      Produce: [0, 7], Fetch: [4, 11], ListOffsets: [1, 5], Metadata: [0, 7], OffsetCommit: [2, 7], OffsetFetch: [1, 5],
      FindCoordinator: [0, 2], JoinGroup: [0, 5], Heartbeat: [0, 3], LeaveGroup: [0, 3], SyncGroup: [0, 3],
      ApiVersions: [0, 4], InitProducerId: [0, 1], SaslHandshake: [0, 1], SaslAuthenticate: [0, 1],
    });
  });

  for (const row of apiTable) {
    it(`${row.name} (${row.apiKey}): a codec for v${row.minVersion}-v${row.maxVersion} and a handler (none for client-only APIs)`, () => {
      const versions = codecVersions(row.apiKey);
      for (let v = row.minVersion; v <= row.maxVersion; v++) expect(versions).toContain(v);
      expect(hasHandler(row.apiKey)).toBe(!row.clientOnly);
      for (let v = row.minVersion; v <= row.maxVersion; v++) {
        const m = messageVersion(row.apiKey, v)!;
        // Only ApiVersions v3+ is flexible among what ledge advertises (and the client-only v3s).
        expect(m.request.flexible).toBe(isFlexible(row.apiKey, v));
        expect(m.response.flexible).toBe(isFlexible(row.apiKey, v));
        roundTrip(m.request);
        roundTrip(m.response);
      }
    });
  }
});

describe("versions for the bridge beyond what the listener advertises", () => {
  it("Produce v8 response carries per-record errors and a message", () => {
    const m = messageVersion(0, 8)!;
    const body = { responses: [{ name: "t", partitionResponses: [{ index: 0, errorCode: 87, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: 0, recordErrors: [{ batchIndex: 2, batchIndexErrorMessage: "bad key" }], errorMessage: "invalid record" }] }], throttleTimeMs: 0 };
    const w = new Writer();
    m.response.write(w, body);
    expect(m.response.read(new Reader(w.toBytes()))).toEqual(body);
    roundTrip(m.request);
  });

  it("Metadata v8 asks for and carries authorized operations", () => {
    const m = messageVersion(3, 8)!;
    const req = { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true };
    const w = new Writer();
    m.request.write(w, req);
    expect(Array.from(w.toBytes())).toEqual([0xff, 0xff, 0xff, 0xff, 0, 1, 1]);
    roundTrip(m.response);
  });

  it("AddPartitionsToTxn v0 and v3 (flexible) carry the same request, byte for byte as Kafka's grammar", () => {
    const req = { transactionalId: "t", producerId: 7, producerEpoch: 1, topics: [{ name: "a", partitions: [0, 2] }] };
    const v0 = new Writer();
    messageVersion(24, 0)!.request.write(v0, req);
    expect(Array.from(v0.toBytes())).toEqual([0, 1, 116, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 0, 0, 0, 1, 0, 1, 97, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
    const v3 = new Writer();
    messageVersion(24, 3)!.request.write(v3, req);
    expect(Array.from(v3.toBytes())).toEqual([2, 116, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 2, 2, 97, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0]);
    expect(messageVersion(24, 3)!.request.read(new Reader(v3.toBytes()))).toEqual(req);
    const res = { throttleTimeMs: 0, resultsByTopic: [{ name: "a", resultsByPartition: [{ partitionIndex: 2, partitionErrorCode: 90 }] }] };
    for (const v of [0, 3]) {
      const w = new Writer();
      messageVersion(24, v)!.response.write(w, res);
      expect(messageVersion(24, v)!.response.read(new Reader(w.toBytes()))).toEqual(res);
    }
  });

  it("EndTxn v0 commits or aborts by a boolean after the producer's id and epoch", () => {
    const w = new Writer();
    messageVersion(26, 2)!.request.write(w, { transactionalId: "t", producerId: 7, producerEpoch: 1, committed: true });
    expect(Array.from(w.toBytes())).toEqual([0, 1, 116, 0, 0, 0, 0, 0, 0, 0, 7, 0, 1, 1]);
    const r = new Writer();
    messageVersion(26, 3)!.response.write(r, { throttleTimeMs: 5, errorCode: 48 });
    expect(Array.from(r.toBytes())).toEqual([0, 0, 0, 5, 0, 48, 0]);
  });
});
