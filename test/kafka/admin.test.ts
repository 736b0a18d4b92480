// CreateTopics (19) v0-v4, DeleteTopics (20) v0-v3, DescribeConfigs (32) v0-v3 and
// InitProducerId (22) v0-v1 against a real ledge, with the error code of each bad request.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { viaKafkajs } from "./helpers/kafkajs-codec.ts";
import type { CreateTopicsResponse } from "../../runtime/kafka/apis/createTopics/index.ts";
import type { DeleteTopicsResponse } from "../../runtime/kafka/apis/deleteTopics/index.ts";
import type { DescribeConfigsResponse } from "../../runtime/kafka/apis/describeConfigs/index.ts";
import type { InitProducerIdResponse } from "../../runtime/kafka/apis/initProducerId/index.ts";

let ledge: TestLedge;
let c: RawKafkaClient;

beforeAll(async () => {
  ledge = await startTestLedge({}, { log: { partitionCountDefault: 2 } });
  c = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  c?.destroy();
  await ledge?.close();
});

const topic = (name: string, numPartitions = 1, extra: Record<string, unknown> = {}) =>
  ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [], ...extra });

describe("CreateTopics", () => {
  for (const v of [0, 1, 2, 3, 4]) {
    it(`v${v} creates, then answers TOPIC_ALREADY_EXISTS`, async () => {
      const body = { topics: [topic(`ct-${v}`, 2)], timeoutMs: 1000, validateOnly: false };
      const first = await c.request<CreateTopicsResponse>(19, v, body);
      expect(first.body.topics[0]).toMatchObject({ name: `ct-${v}`, errorCode: 0 });
      expect(ledge.log.describeTopic(`ct-${v}`)?.partitions).toBe(2);
      const again = await c.request<CreateTopicsResponse>(19, v, body);
      expect(again.body.topics[0].errorCode).toBe(36);
    });
  }

  it("kafkajs's v3 codec reads the answer", async () => {
    const res = await viaKafkajs(c, 19, "createTopics", 3, { topics: [{ topic: "ct-kjs", numPartitions: 1, replicationFactor: 1 }], timeout: 1000 });
    expect(res.topicErrors).toEqual([{ topic: "ct-kjs", errorCode: 0, errorMessage: null }]);
  });

  it("v4 defaults (-1) take log.partitionCountDefault; validate_only creates nothing; configs are stored", async () => {
    const r = await c.request<CreateTopicsResponse>(19, 4, { topics: [topic("ct-def", -1, { replicationFactor: -1, configs: [{ name: "retention.ms", value: "60000" }] }), topic("ct-dry")], timeoutMs: 1000, validateOnly: false });
    expect(r.body.topics.map((t) => t.errorCode)).toEqual([0, 0]);
    expect(ledge.log.describeTopic("ct-def")).toMatchObject({ partitions: 2, config: { "retention.ms": "60000" } });
    const dry = await c.request<CreateTopicsResponse>(19, 4, { topics: [topic("ct-dry-only")], timeoutMs: 1000, validateOnly: true });
    expect(dry.body.topics[0].errorCode).toBe(0);
    expect(ledge.log.describeTopic("ct-dry-only")).toBeUndefined();
  });

  it("bad requests: name, replication factor, partitions, assignment, duplicate, bad config", async () => {
    const r = await c.request<CreateTopicsResponse>(19, 2, {
      topics: [
        topic("bad name"), topic("rf3", 1, { replicationFactor: 3 }), topic("zero", 0),
        topic("assigned", -1, { assignments: [{ partitionIndex: 0, brokerIds: [5] }] }),
        topic("dup"), topic("dup"), topic("badcfg", 1, { configs: [{ name: "retention.ms", value: "soon" }] }),
      ],
      timeoutMs: 1000, validateOnly: false,
    });
    expect(r.body.topics.map((t) => [t.name, t.errorCode])).toEqual([
      ["bad name", 17], ["rf3", 38], ["zero", 37], ["assigned", 39], ["dup", 0], ["dup", 42], ["badcfg", 40],
    ]);
    expect(r.body.topics.every((t) => t.errorCode === 0 || (t.errorMessage ?? "").length > 0)).toBe(true);
  });
});

describe("DeleteTopics", () => {
  for (const v of [0, 1, 2, 3]) {
    it(`v${v} deletes; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION`, async () => {
      await ledge.log.createTopic(`dt-${v}`, 1);
      const r = await c.request<DeleteTopicsResponse>(20, v, { topicNames: [`dt-${v}`, "never-was"], timeoutMs: 1000 });
      expect(r.body.responses.map((x) => [x.name, x.errorCode])).toEqual([[`dt-${v}`, 0], ["never-was", 3]]);
      expect(ledge.log.describeTopic(`dt-${v}`)).toBeUndefined();
    });
  }
});

describe("DescribeConfigs", () => {
  for (const v of [0, 1, 2, 3]) {
    it(`v${v} topic configs, selected keys, unknown topic and unknown resource type`, async () => {
      await ledge.log.createTopic(`dc-${v}`, 1, { "retention.ms": 120000 });
      const r = await c.request<DescribeConfigsResponse>(32, v, {
        resources: [
          { resourceType: 2, resourceName: `dc-${v}`, configurationKeys: ["retention.ms", "no.such.key"] },
          { resourceType: 2, resourceName: `dc-${v}`, configurationKeys: null },
          { resourceType: 2, resourceName: "missing", configurationKeys: null },
          { resourceType: 4, resourceName: "0", configurationKeys: ["num.partitions"] },
          { resourceType: 9, resourceName: "x", configurationKeys: null },
        ],
        includeSynonyms: false, includeDocumentation: false,
      });
      const [sel, all, missing, broker, bad] = r.body.results;
      expect(sel.configs.map((e) => [e.name, e.value])).toEqual([["retention.ms", "120000"]]);
      expect(all.configs.length).toBeGreaterThan(1);
      expect(missing.errorCode).toBe(3);
      expect(broker.configs.map((e) => [e.name, e.value])).toEqual([["num.partitions", "2"]]);
      expect(bad.errorCode).toBe(42);
    });
  }
});

describe("InitProducerId", () => {
  for (const v of [0, 1]) {
    it(`v${v} gives a new producer id with epoch 0 each time; a transactional id keeps its id and bumps the epoch`, async () => {
      const a = await c.request<InitProducerIdResponse>(22, v, { transactionalId: null, transactionTimeoutMs: 60000 });
      const b = await c.request<InitProducerIdResponse>(22, v, { transactionalId: null, transactionTimeoutMs: 60000 });
      expect([a.body.errorCode, a.body.producerEpoch, b.body.errorCode]).toEqual([0, 0, 0]);
      expect(b.body.producerId).toBeGreaterThan(a.body.producerId);
      const tx1 = await c.request<InitProducerIdResponse>(22, v, { transactionalId: `tx-${v}`, transactionTimeoutMs: 60000 });
      const tx2 = await c.request<InitProducerIdResponse>(22, v, { transactionalId: `tx-${v}`, transactionTimeoutMs: 60000 });
      expect([tx1.body.errorCode, tx1.body.producerEpoch, tx2.body.errorCode, tx2.body.producerEpoch]).toEqual([0, 0, 0, 1]);
      expect(tx2.body.producerId).toBe(tx1.body.producerId);
      // Over transactions.timeoutMsMax (15 min by default): Kafka's INVALID_TRANSACTION_TIMEOUT.
      const long = await c.request<InitProducerIdResponse>(22, v, { transactionalId: `tx-${v}`, transactionTimeoutMs: 900_001 });
      expect([long.body.errorCode, long.body.producerId]).toEqual([50, -1]);
    });
  }
});
