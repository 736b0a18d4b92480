// Fetch (key 1) v4-v11 against a real ledge: kafkajs's own codec encodes each version and
// decodes ledge's answer (records included); limits, long-poll wake-up, offsets out of range,
// unknown partitions, isolation levels and sessions.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { viaKafkajs } from "./helpers/kafkajs-codec.ts";
import { encodeBatch } from "../../runtime/core/index.ts";
import type { FetchResponse } from "../../runtime/kafka/apis/fetch/index.ts";

let ledge: TestLedge;
let c: RawKafkaClient;
const enc = new TextEncoder();
const batchBytes: number[] = [];

async function append(topic: string, partition: number, values: string[]) {
  const b = encodeBatch(values.map((v) => ({ key: null, value: enc.encode(v), timestampMs: Date.now() }))).slice();
  if (topic === "f" && partition === 0) batchBytes.push(b.length);
  await ledge.log.append(topic, partition, b);
}

beforeAll(async () => {
  ledge = await startTestLedge({}, { topics: [{ name: "f", partitions: 2 }, { name: "wait", partitions: 1 }] });
  await append("f", 0, ["a0", "a1", "a2"]);
  await append("f", 0, ["a3", "a4"]);
  await append("f", 0, ["a5"]);
  await append("f", 1, ["b0"]);
  c = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  c?.destroy();
  await ledge?.close();
});

const fetchBody = (topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: number; partitionMaxBytes?: number }> }>, extra: Record<string, unknown> = {}) => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
  topics: topics.map((t) => ({ topic: t.topic, partitions: t.partitions.map((p) => ({ partitionMaxBytes: 1 << 20, ...p })) })), forgottenTopicsData: [], rackId: "",
  ...extra,
});

const totalBytes = (records: unknown) => (Array.isArray(records) ? records.reduce((n: number, b: Uint8Array) => n + b.length, 0) : (records as Uint8Array | null)?.length ?? 0);

describe("Fetch through kafkajs's codec, every version", () => {
  for (const v of [4, 5, 6, 7, 8, 9, 10, 11]) {
    it(`v${v}: whole batches from the one holding the offset, decoded by kafkajs`, async () => {
      const res = await viaKafkajs(c, 1, "fetch", v, {
        replicaId: -1, maxWaitTime: 0, minBytes: 1, maxBytes: 1 << 20, isolationLevel: 1,
        topics: [{ topic: "f", partitions: [{ partition: 0, fetchOffset: "4", maxBytes: 1 << 20 }, { partition: 1, fetchOffset: "0", maxBytes: 1 << 20 }] }],
      });
      const [p0, p1] = res.responses[0].partitions;
      expect(p0).toMatchObject({ partition: 0, errorCode: 0, highWatermark: "6" });
      // The batch holding offset 4 starts at 3: the client is given it whole and skips a3.
      expect(p0.messages.map((m: { offset: string; value: Buffer }) => [m.offset, m.value.toString()])).toEqual([["3", "a3"], ["4", "a4"], ["5", "a5"]]);
      expect(p1.messages.map((m: { value: Buffer }) => m.value.toString())).toEqual(["b0"]);
      // kafkajs spells this field lastStartOffset.
      if (v >= 5) expect(p0.lastStartOffset).toBe("0");
      if (v >= 7) expect([res.errorCode, res.sessionId]).toEqual([0, 0]);
    });
  }
});

describe("Fetch semantics", () => {
  it("max_bytes of 1 still returns one whole batch (KIP-74), and nothing from later partitions", async () => {
    const r = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "f", partitions: [{ partition: 0, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }] }], { maxBytes: 1 }));
    const [p0, p1] = r.body.responses[0].partitions;
    expect(totalBytes(p0.records)).toBe(batchBytes[0]);
    expect(totalBytes(p1.records)).toBe(0);
    expect(p1.errorCode).toBe(0);
  });

  it("partition_max_bytes stops after the batch that reaches it", async () => {
    const r = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "f", partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: batchBytes[0] + 1 }] }]));
    const got = totalBytes(r.body.responses[0].partitions[0].records);
    expect(got).toBeGreaterThanOrEqual(batchBytes[0]);
    expect(got).toBeLessThan(batchBytes[0] + batchBytes[1] + batchBytes[2]);
  });

  it("offset above the high watermark is OFFSET_OUT_OF_RANGE; at the high watermark is empty, no error", async () => {
    const r = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "f", partitions: [{ partition: 0, fetchOffset: 7 }, { partition: 1, fetchOffset: 1 }] }]));
    const [above, at] = r.body.responses[0].partitions;
    expect(above.errorCode).toBe(1);
    expect([at.errorCode, totalBytes(at.records), at.highWatermark]).toEqual([0, 0, 1]);
  });

  it("unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, next to a served partition", async () => {
    const r = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "nope", partitions: [{ partition: 0, fetchOffset: 0 }] }, { topic: "f", partitions: [{ partition: 9, fetchOffset: 0 }, { partition: 1, fetchOffset: 0 }] }]));
    expect(r.body.responses[0].partitions[0].errorCode).toBe(3);
    expect(r.body.responses[1].partitions.map((p) => p.errorCode)).toEqual([3, 0]);
  });

  it("READ_COMMITTED gets last stable offset = high watermark and no aborted transactions; READ_UNCOMMITTED a null list", async () => {
    const committed = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "f", partitions: [{ partition: 1, fetchOffset: 0 }] }]));
    expect(committed.body.responses[0].partitions[0]).toMatchObject({ lastStableOffset: 1, highWatermark: 1, abortedTransactions: [] });
    const unc = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "f", partitions: [{ partition: 1, fetchOffset: 0 }] }], { isolationLevel: 0 }));
    expect(unc.body.responses[0].partitions[0].abortedTransactions).toBeNull();
  });

  it("a long poll at the high watermark wakes when data arrives, long before max_wait_ms", async () => {
    const poller = await RawKafkaClient.open(ledge.port);
    const pending = poller.request<FetchResponse>(1, 11, fetchBody([{ topic: "wait", partitions: [{ partition: 0, fetchOffset: 0 }] }], { maxWaitMs: 25_000, minBytes: 1 }));
    await new Promise((r) => setTimeout(r, 100));
    await append("wait", 0, ["woke"]);
    // raw-client gives up after 5 s, far below the 25 s the broker may hold the fetch.
    const r = await pending;
    expect(totalBytes(r.body.responses[0].partitions[0].records)).toBeGreaterThan(0);
    poller.destroy();
  });

  it("a long poll ends at max_wait_ms with an empty answer", async () => {
    const r = await c.request<FetchResponse>(1, 4, fetchBody([{ topic: "wait", partitions: [{ partition: 0, fetchOffset: 1 }] }], { maxWaitMs: 200, minBytes: 1 }));
    expect(r.body.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1 });
    expect(totalBytes(r.body.responses[0].partitions[0].records)).toBe(0);
  });

  it("closing the connection ends its long poll (no leaked waiter keeps answering)", async () => {
    const poller = await RawKafkaClient.open(ledge.port);
    poller.sendPayload(poller.encode(1, 11, fetchBody([{ topic: "wait", partitions: [{ partition: 0, fetchOffset: 1 }] }], { maxWaitMs: 25_000, minBytes: 1 })));
    await new Promise((r) => setTimeout(r, 50));
    poller.destroy();
    await append("wait", 0, ["after-close"]);
    const r = await c.request<FetchResponse>(1, 11, fetchBody([{ topic: "wait", partitions: [{ partition: 0, fetchOffset: 1 }] }]));
    expect(r.body.responses[0].partitions[0].highWatermark).toBe(2);
  });
});

describe("bounds from listeners.kafka", () => {
  it("inflightCountMax: a pipelining client cannot make ledge read more than the bound; all are answered in order", async () => {
    const bounded = await startTestLedge({ inflightCountMax: 2 }, { topics: [{ name: "b", partitions: 1 }] });
    const inflight = () => bounded.metrics.gauges.get("ledge_kafka_requests_inflight")?.value ?? 0;
    const client = await RawKafkaClient.open(bounded.port);
    // 20 long polls of 300 ms each, sent at once.
    for (let id = 1; id <= 20; id++) client.sendPayload(client.encode(1, 11, fetchBody([{ topic: "b", partitions: [{ partition: 0, fetchOffset: 0 }] }], { maxWaitMs: 300, minBytes: 1 }), id));
    let peak = 0;
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, inflight());
      ids.push(Buffer.from((await client.next(10_000))!).readInt32BE(0));
    }
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
    expect(ids).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    client.destroy();
    await bounded.close();
  });

  it("fetchBytesMax caps a Fetch answer below the client's max_bytes (after the first whole batch)", async () => {
    const capped = await startTestLedge({ fetchBytesMax: 1024 }, { topics: [{ name: "cap", partitions: 1 }] });
    for (let i = 0; i < 5; i++) await capped.log.append("cap", 0, encodeBatch([{ key: null, value: new Uint8Array(600), timestampMs: Date.now() }]).slice());
    const client = await RawKafkaClient.open(capped.port);
    const r = await client.request<FetchResponse>(1, 11, fetchBody([{ topic: "cap", partitions: [{ partition: 0, fetchOffset: 0 }] }], { maxBytes: 1 << 20 }));
    const got = totalBytes(r.body.responses[0].partitions[0].records);
    expect(got).toBeGreaterThan(600);
    expect(got).toBeLessThan(5 * 600);
    client.destroy();
    await capped.close();
  });
});

describe("log.waiterCountPerPartitionMax over the wire", () => {
  it("a long poll past the bound is answered at once (empty, no error), the parked one still wakes", async () => {
    const bounded = await startTestLedge({}, { topics: [{ name: "w1", partitions: 1 }], log: { waiterCountPerPartitionMax: 1 } });
    const [first, second] = await Promise.all([RawKafkaClient.open(bounded.port), RawKafkaClient.open(bounded.port)]);
    try {
      const poll = (client: RawKafkaClient) => client.request<FetchResponse>(1, 11, fetchBody([{ topic: "w1", partitions: [{ partition: 0, fetchOffset: 0 }] }], { maxWaitMs: 4_000, minBytes: 1 }));
      const parked = poll(first);
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const refused = await poll(second);
      expect(Date.now() - started).toBeLessThan(2_000); // not held for max_wait_ms
      expect(refused.body.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0 });
      await bounded.log.append("w1", 0, encodeBatch([{ key: null, value: enc.encode("x"), timestampMs: Date.now() }]));
      expect(totalBytes((await parked).body.responses[0].partitions[0].records)).toBeGreaterThan(0);
    } finally {
      first.destroy();
      second.destroy();
      await bounded.close();
    }
  });
});
