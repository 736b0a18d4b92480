// Metadata (key 3) v0-v7 against a real ledge: kafkajs's own codec decodes v0-v6, ledge's
// codec v7; the broker is ledge at the advertised host and real port; all-topics vs none per
// version; auto-creation per config and per request flag; invalid names.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { viaKafkajs } from "./helpers/kafkajs-codec.ts";
import type { MetadataResponse } from "../../runtime/kafka/apis/metadata/index.ts";

let ledge: TestLedge;
let noAuto: TestLedge;
let c: RawKafkaClient;

beforeAll(async () => {
  ledge = await startTestLedge({ advertisedHost: "edge.local" }, { topics: [{ name: "m", partitions: 2 }], log: { partitionCountDefault: 3 } });
  noAuto = await startTestLedge({}, { log: { autoCreateTopics: false } });
  c = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  c?.destroy();
  await ledge?.close();
  await noAuto?.close();
});

describe("Metadata through kafkajs's codec", () => {
  for (const v of [0, 1, 2, 3, 4, 5, 6]) {
    it(`v${v}: one broker at advertisedHost and the bound port, partitions led by it`, async () => {
      const res = await viaKafkajs(c, 3, "metadata", v, { topics: ["m"], allowAutoTopicCreation: false });
      expect(res.brokers.map((b: { nodeId: number; host: string; port: number }) => [b.nodeId, b.host, b.port])).toEqual([[0, "edge.local", ledge.port]]);
      const t = res.topicMetadata[0];
      expect([t.topicErrorCode, t.topic]).toEqual([0, "m"]);
      expect(t.partitionMetadata.map((p: { partitionId: number; leader: number; isr: number[]; replicas: number[] }) => [p.partitionId, p.leader, p.replicas, p.isr]))
        .toEqual([[0, 0, [0], [0]], [1, 0, [0], [0]]]);
      if (v >= 1) expect(res.controllerId).toBe(0);
      if (v >= 2) expect(res.clusterId).toBe("ledge");
    });
  }
});

describe("Metadata semantics", () => {
  it("v0 empty list and v1+ null list mean all topics; v1+ empty list means none", async () => {
    const v0 = await c.request<MetadataResponse>(3, 0, { topics: [] });
    expect(v0.body.topics.map((t) => t.name)).toContain("m");
    const all = await c.request<MetadataResponse>(3, 7, { topics: null, allowAutoTopicCreation: false });
    expect(all.body.topics.map((t) => t.name)).toContain("m");
    const none = await c.request<MetadataResponse>(3, 7, { topics: [], allowAutoTopicCreation: false });
    expect(none.body.topics).toEqual([]);
  });

  it("v7 partitions carry leader epoch and empty offline replicas", async () => {
    const r = await c.request<MetadataResponse>(3, 7, { topics: [{ name: "m" }], allowAutoTopicCreation: false });
    expect(r.body.topics[0].partitions[0]).toMatchObject({ leaderEpoch: 0, offlineReplicas: [] });
  });

  it("an unknown topic is created with log.partitionCountDefault when the request allows it", async () => {
    const r = await c.request<MetadataResponse>(3, 4, { topics: [{ name: "auto-made" }], allowAutoTopicCreation: true });
    expect([r.body.topics[0].errorCode, r.body.topics[0].partitions.length]).toEqual([0, 3]);
    expect(ledge.log.describeTopic("auto-made")?.partitions).toBe(3);
  });

  it("v4+ with allow_auto_topic_creation false: UNKNOWN_TOPIC_OR_PARTITION, nothing created", async () => {
    const r = await c.request<MetadataResponse>(3, 7, { topics: [{ name: "not-made" }], allowAutoTopicCreation: false });
    expect(r.body.topics[0].errorCode).toBe(3);
    expect(ledge.log.describeTopic("not-made")).toBeUndefined();
  });

  it("log.autoCreateTopics false: UNKNOWN_TOPIC_OR_PARTITION even when the client allows it", async () => {
    const other = await RawKafkaClient.open(noAuto.port);
    const r = await other.request<MetadataResponse>(3, 1, { topics: [{ name: "x" }] });
    expect(r.body.topics[0].errorCode).toBe(3);
    other.destroy();
  });

  it("listeners.kafka.advertisedPort replaces the bound port in the broker list and the group coordinator (NAT, proxies)", async () => {
    const natted = await startTestLedge({ advertisedHost: "gw.example", advertisedPort: 19092 });
    const other = await RawKafkaClient.open(natted.port);
    const r = await other.request<MetadataResponse>(3, 7, { topics: [], allowAutoTopicCreation: false });
    expect(r.body.brokers.map((b) => [b.host, b.port])).toEqual([["gw.example", 19092]]);
    const coordinator = await other.request(10, 2, { key: "g", keyType: 0 });
    expect(coordinator.body).toMatchObject({ errorCode: 0, host: "gw.example", port: 19092 });
    other.destroy();
    await natted.close();
  });

  it("an invalid topic name is INVALID_TOPIC_EXCEPTION (17)", async () => {
    const r = await c.request<MetadataResponse>(3, 4, { topics: [{ name: "bad/name" }, { name: "x".repeat(250) }], allowAutoTopicCreation: true });
    expect(r.body.topics.map((t) => t.errorCode)).toEqual([17, 17]);
  });
});
