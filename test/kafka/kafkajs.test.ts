// kafkajs 2.2.4 against a real ledge: admin createTopics/deleteTopics/describeConfigs/offsets,
// an idempotent producer with retries configured, and a group consumer reading everything back.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } from "kafkajs";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";

let ledge: TestLedge;
let kafka: Kafka;

beforeAll(async () => {
  ledge = await startTestLedge();
  kafka = new Kafka({ clientId: "kafkajs-test", brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 50 } });
});
afterAll(async () => {
  await ledge?.close();
});

describe("kafkajs admin", () => {
  it("createTopics, listTopics, fetchTopicMetadata, describeConfigs, deleteTopics", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: "kj-admin", numPartitions: 3, configEntries: [{ name: "retention.ms", value: "3600000" }] }] })).toBe(true);
      // Already there: kafkajs reports false rather than failing.
      expect(await admin.createTopics({ topics: [{ topic: "kj-admin", numPartitions: 3 }] })).toBe(false);
      expect(await admin.listTopics()).toContain("kj-admin");
      const md = await admin.fetchTopicMetadata({ topics: ["kj-admin"] });
      expect(md.topics[0].partitions.map((p) => [p.partitionId, p.leader]).sort()).toEqual([[0, 0], [1, 0], [2, 0]]);
      const cfg = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "kj-admin", configNames: ["retention.ms"] }] });
      expect(cfg.resources[0].configEntries).toMatchObject([{ configName: "retention.ms", configValue: "3600000" }]);
      const bad = await admin.createTopics({ topics: [{ topic: "bad name!", numPartitions: 1 }] }).then(() => null, (e: unknown) => e);
      expect(bad).toMatchObject({ name: "KafkaJSAggregateError", errors: [{ type: "INVALID_TOPIC_EXCEPTION", code: 17, topic: "bad name!" }] });
      await admin.deleteTopics({ topics: ["kj-admin"] });
      expect(await admin.listTopics()).not.toContain("kj-admin");
    } finally {
      await admin.disconnect();
    }
  });
});

describe("kafkajs producer and consumer", () => {
  it("an idempotent producer's records are all read back in order by a group consumer, offsets match ListOffsets", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kj-data", numPartitions: 2 }] });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 5 } });
    await producer.connect();
    const sent: string[] = [];
    for (let round = 0; round < 5; round++) {
      const messages = Array.from({ length: 40 }, (_, i) => ({ key: `dev-${i % 4}`, value: `r${round}-m${i}`, headers: { round: String(round) } }));
      sent.push(...messages.map((m) => m.value));
      const res = await producer.send({ topic: "kj-data", acks: -1, compression: round % 2 === 0 ? CompressionTypes.GZIP : CompressionTypes.None, messages });
      expect(res.every((r) => r.errorCode === 0)).toBe(true);
    }
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets("kj-data");
    expect(offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)).toBe(200);

    const consumer = kafka.consumer({ groupId: "kj-readers", maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: "kj-data", fromBeginning: true });
    const got: { value: string; partition: number; offset: number; round?: string }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} of 200 records within 20 s`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message, partition }) => {
          got.push({ value: message.value!.toString(), partition, offset: Number(message.offset), round: message.headers?.round?.toString() });
          if (got.length === 200) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();
    await admin.disconnect();
    expect(got.map((g) => g.value).sort()).toEqual([...sent].sort());
    // Per partition, offsets are consecutive from 0 and records keep send order.
    for (const p of [0, 1]) {
      const inP = got.filter((g) => g.partition === p);
      expect(inP.map((g) => g.offset)).toEqual(inP.map((_, i) => i));
      expect(inP.map((g) => sent.indexOf(g.value))).toEqual([...inP.map((g) => sent.indexOf(g.value))].sort((a, b) => a - b));
    }
    expect(got.every((g) => g.round === g.value.slice(1, 2))).toBe(true);
  });

  it("a compacted topic refuses a record without a key with INVALID_RECORD; keyed records go in", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kj-compact", numPartitions: 1, configEntries: [{ name: "cleanup.policy", value: "compact" }] }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await expect(producer.send({ topic: "kj-compact", acks: -1, messages: [{ key: "a", value: "1" }, { value: "no key" }] }))
        .rejects.toMatchObject({ type: "INVALID_RECORD" });
      expect(ledge.log.partitionState("kj-compact", 0).highWatermark).toBe(0);
      const sent = await producer.send({ topic: "kj-compact", acks: -1, messages: [{ key: "a", value: "1" }, { key: "b", value: null }] });
      expect(sent[0]).toMatchObject({ errorCode: 0, baseOffset: "0" });
    } finally {
      await producer.disconnect();
    }
  });

  it("fetchTopicOffsetsByTimestamp finds the first offset at or after a time", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "kj-time", numPartitions: 1 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kj-time", messages: [{ value: "old", timestamp: "1000000" }] });
    await producer.send({ topic: "kj-time", messages: [{ value: "new", timestamp: "2000000" }] });
    await producer.disconnect();
    expect(await admin.fetchTopicOffsetsByTimestamp("kj-time", 1_500_000)).toEqual([{ partition: 0, offset: "1" }]);
    expect(await admin.fetchTopicOffsetsByTimestamp("kj-time", 500)).toEqual([{ partition: 0, offset: "0" }]);
    await admin.disconnect();
  });
});
