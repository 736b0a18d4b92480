// Produce (key 0) against a real ledge over a real log, byte-level: the validation order of
// kafka-protocol.md section 2 and the error code for each failure, each next to a bystander
// connection that keeps being served; idempotent resends; acks=0.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createRequire } from "node:module";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { encodeBatch } from "../../runtime/core/index.ts";
import type { ProduceResponse } from "../../runtime/kafka/apis/produce/index.ts";
import { viaKafkajs } from "./helpers/kafkajs-codec.ts";

const require = createRequire(import.meta.url);
let ledge: TestLedge;
let bystander: RawKafkaClient;

beforeAll(async () => {
  ledge = await startTestLedge({}, { topics: [{ name: "p", partitions: 2 }, { name: "small", partitions: 1, config: { "max.message.bytes": 1024 } }, { name: "compacted", partitions: 1, config: { "cleanup.policy": "compact" } }] });
  bystander = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  bystander?.destroy();
  await ledge?.close();
});

const enc = new TextEncoder();
function batch(count = 3, options: Parameters<typeof encodeBatch>[1] = {}, valueBytes = 10, keyless = false): Uint8Array {
  const records = Array.from({ length: count }, (_, i) => ({ key: keyless && i === count - 1 ? null : enc.encode(`k${i}`), value: new Uint8Array(valueBytes).fill(97 + (i % 26)), timestampMs: Date.now() }));
  return encodeBatch(records, options).slice();
}

function request(acks: number, topic: string, partition: number, records: Uint8Array | null, transactionalId: string | null = null) {
  return { transactionalId, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] };
}

async function produce(c: RawKafkaClient, version: number, body: unknown) {
  const res = await c.request<ProduceResponse>(0, version, body);
  return res.body.responses[0].partitionResponses[0];
}

async function bystanderServed() {
  const r = await produce(bystander, 7, request(-1, "p", 1, batch(1)));
  expect(r.errorCode).toBe(0);
}

describe("Produce v3-v7 accepted", () => {
  it("assigns consecutive base offsets; v5+ report the log start offset; kafkajs decodes the answer", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const a = await produce(c, 3, request(-1, "p", 0, batch(3)));
    const b = await produce(c, 7, request(1, "p", 0, batch(2)));
    expect([a.errorCode, a.baseOffset, a.logAppendTimeMs]).toEqual([0, 0, -1]);
    expect([b.errorCode, b.baseOffset, b.logStartOffset]).toEqual([0, 3, 0]);
    c.sendPayload(c.encode(0, 3, request(-1, "p", 0, batch(1)), 9));
    const raw = Buffer.from((await c.next())!);
    const { decode } = require("kafkajs/src/protocol/requests/produce/v3/response");
    const decoded = await decode(raw.subarray(4));
    expect(decoded.topics[0].partitions[0]).toMatchObject({ partition: 0, errorCode: 0, baseOffset: "5" });
    c.destroy();
  });

  it("an idempotent resend of one of the last batches answers its original offset; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER (45)", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const producerId = 4242;
    const first = batch(2, { producerId, producerEpoch: 0, baseSequence: 0 });
    const r1 = await produce(c, 7, request(-1, "p", 1, first.slice()));
    const again = await produce(c, 7, request(-1, "p", 1, first.slice()));
    expect(r1.errorCode).toBe(0);
    expect(again).toMatchObject({ errorCode: 0, baseOffset: r1.baseOffset });
    const gap = await produce(c, 7, request(-1, "p", 1, batch(1, { producerId, producerEpoch: 0, baseSequence: 5 })));
    expect(gap.errorCode).toBe(45);
    c.destroy();
  });
});

describe("Produce through kafkajs's codec (its own RecordBatch encoder), every served version", () => {
  for (const v of [3, 4, 5, 6, 7]) {
    it(`v${v}: stored, and the answer decodes with kafkajs`, async () => {
      const c = await RawKafkaClient.open(ledge.port);
      const before = ledge.log.partitionState("p", 1).highWatermark;
      const res = await viaKafkajs(c, 0, "produce", v, {
        acks: -1, timeout: 5000, compression: 1,
        topicData: [{ topic: "p", partitions: [{ partition: 1, messages: [{ key: "k", value: `kjs-v${v}`, headers: { h: "x" } }, { value: "second" }] }] }],
      });
      const part = res.topics[0].partitions[0];
      expect([part.partition, part.errorCode, part.baseOffset]).toEqual([1, 0, String(before)]);
      expect(ledge.log.partitionState("p", 1).highWatermark).toBe(before + 2);
      c.destroy();
    });
  }
});

describe("Produce rejections, each with the code Kafka gives", () => {
  const cases: Array<[string, number, () => unknown, number]> = [
    ["v0 (magic 0/1 message sets) -> UNSUPPORTED_VERSION", 0, () => ({ acks: -1, timeoutMs: 1000, topicData: [{ name: "p", partitionData: [{ index: 0, records: Uint8Array.of(1, 2, 3) }] }] }), 35],
    ["v1 -> UNSUPPORTED_VERSION", 1, () => ({ acks: 1, timeoutMs: 1000, topicData: [{ name: "p", partitionData: [{ index: 0, records: batch(1) }] }] }), 35],
    ["v2 -> UNSUPPORTED_VERSION", 2, () => ({ acks: 1, timeoutMs: 1000, topicData: [{ name: "p", partitionData: [{ index: 0, records: batch(1) }] }] }), 35],
    ["acks=2 -> INVALID_REQUIRED_ACKS", 7, () => request(2, "p", 0, batch(1)), 21],
    ["bad CRC -> CORRUPT_MESSAGE", 7, () => { const b = batch(3); b[b.length - 1] ^= 0xff; return request(-1, "p", 0, b); }, 2],
    ["batch over max.message.bytes -> MESSAGE_TOO_LARGE", 7, () => request(-1, "small", 0, batch(4, {}, 400)), 10],
    ["non-zero baseOffset -> INVALID_RECORD", 7, () => request(-1, "p", 0, batch(1, { baseOffset: 17 })), 87],
    ["two batches in one partition -> INVALID_RECORD", 7, () => { const a = batch(1), b = batch(1); const two = new Uint8Array(a.length + b.length); two.set(a); two.set(b, a.length); return request(-1, "p", 0, two); }, 87],
    ["magic 1 -> INVALID_RECORD", 7, () => { const b = batch(1); b[16] = 1; return request(-1, "p", 0, b); }, 87],
    ["a record without a key on a compacted topic -> INVALID_RECORD", 7, () => request(-1, "compacted", 0, batch(3, {}, 10, true)), 87],
    ["null records -> INVALID_RECORD", 7, () => request(-1, "p", 0, null), 87],
    ["zstd at v3 -> UNSUPPORTED_COMPRESSION_TYPE", 3, () => { const b = batch(1); b[22] = (b[22] & ~7) | 4; return request(-1, "p", 0, b); }, 76],
    ["unknown topic -> UNKNOWN_TOPIC_OR_PARTITION", 7, () => request(-1, "nope", 0, batch(1)), 3],
    ["unknown partition -> UNKNOWN_TOPIC_OR_PARTITION", 7, () => request(-1, "p", 7, batch(1)), 3],
    ["transactional id with a non-transactional batch -> INVALID_TXN_STATE", 7, () => request(-1, "p", 0, batch(1), "tx-1"), 48],
    ["transactional batch without a transactional id -> INVALID_TXN_STATE", 7, () => request(-1, "p", 0, batch(1, { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true })), 48],
    ["transactional batch of an unknown transactional id -> INVALID_PRODUCER_ID_MAPPING", 7, () => request(-1, "p", 0, batch(1, { producerId: 5, producerEpoch: 0, baseSequence: 0, transactional: true }), "never-initialised"), 49],
  ];
  for (const [name, version, body, code] of cases) {
    it(name, async () => {
      const c = await RawKafkaClient.open(ledge.port);
      const before = ledge.log.partitionState("p", 0).highWatermark;
      const rejected = ledge.metrics.counters.get("ledge_kafka_produce_rejected_total")?.value ?? 0;
      expect((await produce(c, version, body())).errorCode).toBe(code);
      expect(ledge.log.partitionState("p", 0).highWatermark).toBe(before);
      // The same connection and another one keep working.
      expect((await produce(c, 7, request(-1, "p", 1, batch(1)))).errorCode).toBe(0);
      await bystanderServed();
      expect(ledge.metrics.counters.get("ledge_kafka_produce_rejected_total")!.value).toBe(rejected + 1);
      c.destroy();
    });
  }
});

describe("acks=0", () => {
  it("stores the batch and sends no response; the next request's answer comes next", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const before = ledge.log.partitionState("p", 0).highWatermark;
    c.sendPayload(c.encode(0, 7, request(0, "p", 0, batch(4)), 100));
    c.sendPayload(c.encode(18, 0, {}, 101));
    const next = Buffer.from((await c.next())!);
    expect(next.readInt32BE(0)).toBe(101);
    expect(ledge.log.partitionState("p", 0).highWatermark).toBe(before + 4);
    c.destroy();
  });

  it("a failed acks=0 produce closes the connection (Kafka's only signal), others unaffected", async () => {
    const c = await RawKafkaClient.open(ledge.port);
    const b = batch(2);
    b[b.length - 1] ^= 1;
    c.sendPayload(c.encode(0, 7, request(0, "p", 0, b), 200));
    expect(await c.closesWithin(3000)).toBe(true);
    await bystanderServed();
  });
});
