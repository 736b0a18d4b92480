// ListOffsets (key 2) v1-v5 against a real ledge: earliest, latest, by timestamp; kafkajs's
// own codec for v1-v3, ledge's for v4-v5; unknown partitions.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { viaKafkajs } from "./helpers/kafkajs-codec.ts";
import { encodeBatch } from "../../runtime/core/index.ts";
import type { ListOffsetsResponse } from "../../runtime/kafka/apis/listOffsets/index.ts";

let ledge: TestLedge;
let c: RawKafkaClient;
const enc = new TextEncoder();

beforeAll(async () => {
  ledge = await startTestLedge({}, { topics: [{ name: "lo", partitions: 1 }] });
  for (const [ts, n] of [[1_000, 2], [2_000, 3], [3_000, 1]]) {
    const records = Array.from({ length: n }, (_, i) => ({ key: null, value: enc.encode(`v${ts}-${i}`), timestampMs: ts + i }));
    await ledge.log.append("lo", 0, encodeBatch(records).slice());
  }
  c = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  c?.destroy();
  await ledge?.close();
});

const cases: Array<[string, number, string]> = [["latest (-1)", -1, "6"], ["earliest (-2)", -2, "0"], ["timestamp 2000", 2_000, "2"], ["timestamp 2001 (inside a batch)", 2_001, "3"], ["timestamp after the last record", 9_999, "-1"]];

describe("ListOffsets through kafkajs's codec", () => {
  for (const v of [1, 2, 3]) {
    for (const [name, timestamp, offset] of cases) {
      it(`v${v} ${name} -> offset ${offset}`, async () => {
        const res = await viaKafkajs(c, 2, "listOffsets", v, { replicaId: -1, isolationLevel: 1, topics: [{ topic: "lo", partitions: [{ partition: 0, timestamp }] }] });
        expect(res.responses[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, offset });
      });
    }
  }
});

describe("ListOffsets v4-v5 and errors", () => {
  for (const v of [4, 5]) {
    it(`v${v} latest and earliest, with leader epoch`, async () => {
      const r = await c.request<ListOffsetsResponse>(2, v, { replicaId: -1, isolationLevel: 0, topics: [{ name: "lo", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }, { partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2 }] }] });
      expect(r.body.topics[0].partitions.map((p) => [p.errorCode, p.offset, p.leaderEpoch])).toEqual([[0, 6, 0], [0, 0, 0]]);
    });
  }

  it("by timestamp answers the found record's own timestamp, as Kafka does", async () => {
    const at = (timestamp: number) => ({ partitionIndex: 0, currentLeaderEpoch: -1, timestamp });
    const r = await c.request<ListOffsetsResponse>(2, 5, { replicaId: -1, isolationLevel: 0, topics: [{ name: "lo", partitions: [at(1_500), at(2_001), at(9_999)] }] });
    expect(r.body.topics[0].partitions.map((p) => [p.offset, p.timestamp])).toEqual([[2, 2_000], [3, 2_001], [-1, -1]]);
  });

  it("unknown topic and partition are UNKNOWN_TOPIC_OR_PARTITION", async () => {
    const r = await c.request<ListOffsetsResponse>(2, 5, { replicaId: -1, topics: [{ name: "nope", partitions: [{ partitionIndex: 0, timestamp: -1 }] }, { name: "lo", partitions: [{ partitionIndex: 3, timestamp: -1 }] }] });
    expect(r.body.topics.map((t) => t.partitions[0].errorCode)).toEqual([3, 3]);
  });
});
