// Topic auto-creation is bounded: one Kafka Metadata request may create at most
// log.autoCreateTopicCountPerRequestMax topics (the rest: POLICY_VIOLATION 44), all clients
// together log.autoCreateTopicCountPerMinuteMax a minute (past it: THROTTLING_QUOTA_EXCEEDED 89),
// and the log holds at most log.topicCountMax topics and log.partitionCountMax partitions
// (POLICY_VIOLATION, for CreateTopics too). The request is worked through a slice per event-loop
// turn, and it logs a summary, not a line per topic.
import { afterEach, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "../kafka/helpers/ledge.ts";
import type { MetadataResponse } from "../../runtime/kafka/apis/metadata/index.ts";

let ledge: TestLedge | undefined;
afterEach(async () => {
  await ledge?.close();
  ledge = undefined;
});

const codes = (r: MetadataResponse) => {
  const out = new Map<number, number>();
  for (const t of r.topics) out.set(t.errorCode, (out.get(t.errorCode) ?? 0) + 1);
  return Object.fromEntries(out);
};

describe("bounded topic auto-creation", () => {
  it("autoCreateTopicCountPerRequestMax: a Metadata v0 request naming 100,000 topics creates only the bound; the rest get POLICY_VIOLATION", async () => {
    ledge = await startTestLedge({}, { log: { autoCreateTopicCountPerRequestMax: 50 } });
    const c = await RawKafkaClient.open(ledge.port);
    const bystander = await RawKafkaClient.open(ledge.port);
    await bystander.request(18, 0, {});
    const names = Array.from({ length: 100_000 }, (_, i) => ({ name: `flood-${i}` }));
    const order: string[] = [];
    const metadata = c.request<MetadataResponse>(3, 0, { topics: names }).then((r) => (order.push("metadata"), r));
    // Sent after the flood: answered while it is still being worked through (bounded work per turn).
    const other = bystander.request(18, 0, {}).then(() => order.push("bystander"));
    const r = (await metadata).body;
    await other;
    expect(order).toEqual(["bystander", "metadata"]);
    expect(r.topics).toHaveLength(100_000);
    expect(codes(r)).toEqual({ 0: 50, 44: 99_950 });
    expect(ledge.log.listTopics()).toHaveLength(50);
    const lines = ledge.logLines.filter((l) => /Metadata request/.test(l));
    expect(lines).toHaveLength(2); // one summary of what was created, one of what was refused
    expect(lines.join("\n")).toMatch(/named 99950 more unknown topics than log.autoCreateTopicCountPerRequestMax \(50\)/);
    c.destroy();
    bystander.destroy();
  });

  it("autoCreateTopicCountPerMinuteMax: creations past the minute's budget get THROTTLING_QUOTA_EXCEEDED (89)", async () => {
    ledge = await startTestLedge({}, { log: { autoCreateTopicCountPerMinuteMax: 5 } });
    const c = await RawKafkaClient.open(ledge.port);
    const first = (await c.request<MetadataResponse>(3, 4, { topics: [1, 2, 3].map((i) => ({ name: `r${i}` })), allowAutoTopicCreation: true })).body;
    expect(codes(first)).toEqual({ 0: 3 });
    const second = (await c.request<MetadataResponse>(3, 4, { topics: [4, 5, 6, 7].map((i) => ({ name: `r${i}` })), allowAutoTopicCreation: true })).body;
    expect(second.topics.map((t) => t.errorCode)).toEqual([0, 0, 89, 89]);
    expect(ledge.logLines.some((l) => /log.autoCreateTopicCountPerMinuteMax \(5\) is spent/.test(l))).toBe(true);
    c.destroy();
  });

  it("topicCountMax and partitionCountMax: CreateTopics (kafkajs) and auto-creation past the totals get POLICY_VIOLATION", async () => {
    ledge = await startTestLedge({}, { log: { topicCountMax: 3, partitionCountMax: 10 } });
    const kafka = new Kafka({ clientId: "bounds", brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: "big", numPartitions: 8 }] });
      await expect(admin.createTopics({ topics: [{ topic: "over-partitions", numPartitions: 3 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: "POLICY_VIOLATION" })] });
      await admin.createTopics({ topics: [{ topic: "two", numPartitions: 1 }, { topic: "three", numPartitions: 1 }] });
      await expect(admin.createTopics({ topics: [{ topic: "fourth", numPartitions: 1 }] })).rejects.toMatchObject({ errors: [expect.objectContaining({ type: "POLICY_VIOLATION" })] });
    } finally {
      await admin.disconnect();
    }
    const c = await RawKafkaClient.open(ledge.port);
    const r = (await c.request<MetadataResponse>(3, 0, { topics: [{ name: "auto-over" }] })).body;
    expect(r.topics[0].errorCode).toBe(44);
    await expect(ledge.log.createTopic("direct", 1)).rejects.toMatchObject({ code: "LEDGE_ERR_TOPIC_LIMIT", kafkaErrorCode: 44 });
    await expect(ledge.log.addPartitions("big", 9)).rejects.toMatchObject({ code: "LEDGE_ERR_TOPIC_LIMIT" });
    expect(ledge.log.listTopics().map((t) => t.name).sort()).toEqual(["big", "three", "two"]);
    c.destroy();
  });
});
