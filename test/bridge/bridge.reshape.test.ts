// Stored batches cut before they go upstream (against a ledge upstream, which enforces a
// topic's max.message.bytes and answers DescribeConfigs): partitioning: key sends each record to
// the partition Kafka's partitioner picks for its key, and a batch larger than the upstream
// topic's max.message.bytes is cut into pieces below it. Every record arrives once, in order
// per key.
import { afterAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import { count, readTopic, storedDataBatches, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function pair(name: string, bridgeExtra: string) {
  const up = await ledgeDirs(`ledge-up-${name}-`, "log: { autoCreateTopics: true }\n");
  cleanups.push(up.remove);
  const upstream = await startLedge(up.args);
  cleanups.push(async () => void upstream.child.kill("SIGKILL"));
  const bootstrap = `127.0.0.1:${upstream.ports.kafka}`;
  const d = await ledgeDirs(`ledge-edge-${name}-`, [
    "topics:", "  - { name: readings, partitions: 2 }",
    "bridge:", `  brokers: ["${bootstrap}"]`, `  edgeId: edge-${name}`, "  createTopics: false", "  topics: [ { from: readings, to: up-readings } ]", bridgeExtra,
  ].join("\n") + "\n");
  cleanups.push(d.remove);
  return { upstream, bootstrap, d };
}

async function produceLocal(kafkaPort: number, messages: Array<{ key: string; value: string; partition: number }>): Promise<void> {
  const kafka = new Kafka({ clientId: "edge-app", brokers: [`127.0.0.1:${kafkaPort}`], logLevel: logLevel.NOTHING });
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic: "readings", messages }); // one batch per partition
  await p.disconnect();
}

describe("bridge: stored batches cut for upstream", () => {
  it("partitioning: key — each record in its key's partition upstream (murmur2 over 5), in order per key, once", { timeout: 90_000 }, async () => {
    const { bootstrap, d } = await pair("key", "  partitioning: key");
    const admin = new Kafka({ clientId: "admin", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "up-readings", numPartitions: 5 }] });
    await admin.disconnect();
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: `device-${i % 23}`, value: `{"n":${i}}`, partition: (i % 23) % 2 }));
    await produceLocal(edge.ports.kafka!, messages);
    let remote = new Map<string, string[]>();
    const arrived = await waitFor(async () => count(remote = await readTopic(bootstrap, "up-readings", true)) >= 300, 30_000, 500);
    expect(arrived, edge.stderr().slice(-2000)).toBe(true);
    expect(count(remote)).toBe(300);
    const seenByKey = new Map<string, number[]>();
    for (const [p, lines] of remote) {
      for (const line of lines) {
        const [, key, value] = line.split("\t");
        expect(Number(p), `key ${key}`).toBe(partitionForKey(new TextEncoder().encode(key), 5));
        (seenByKey.get(key) ?? seenByKey.set(key, []).get(key)!).push(Number(/"n":(\d+)/.exec(value)![1]));
      }
    }
    for (const [key, ns] of seenByKey) {
      const sent = messages.filter((m) => m.key === key).map((m) => Number(/"n":(\d+)/.exec(m.value)![1]));
      expect(ns, key).toEqual(sent); // a key lives in one local partition, so its order is kept
    }
  });

  it("a stored batch over the upstream topic's max.message.bytes is cut into pieces below it; nothing blocked", { timeout: 90_000 }, async () => {
    const { upstream, bootstrap, d } = await pair("split", "");
    const admin = new Kafka({ clientId: "admin", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "up-readings", numPartitions: 2, configEntries: [{ name: "max.message.bytes", value: "4096" }] }] });
    await admin.disconnect();
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const messages = Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: `{"n":${i},"pad":"${"x".repeat(60)}"}`, partition: i % 2 }));
    await produceLocal(edge.ports.kafka!, messages);
    let remote = new Map<string, string[]>();
    const arrived = await waitFor(async () => count(remote = await readTopic(bootstrap, "up-readings", true)) >= 400, 30_000, 500);
    expect(arrived, edge.stderr().slice(-2000)).toBe(true);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "readings", false);
    for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
    for (const p of [0, 1]) {
      const sizes = (await storedDataBatches(upstream.ports.kafka!, "up-readings", p)).map((b) => b.bytes);
      expect(sizes.length).toBeGreaterThan(3);
      expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
    }
    expect(edge.stderr()).not.toMatch(/not shipping to up-readings/);
  });
});
