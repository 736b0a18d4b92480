// kafkajs 2.2 consumer groups against a real ledge (listener + Log in a temp dir + coordinator):
// three members join and leave while consuming, committing after every message, and every
// record is processed exactly once across the rebalances; a restart of ledge keeps the
// committed offsets, so the group resumes where it stopped and sees nothing twice.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { startGroupLedge, type GroupLedge } from "./groups-ledge.ts";

process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
let ledge: GroupLedge;

beforeAll(async () => {
  ledge = await startGroupLedge({ initialRebalanceDelayMs: 300 });
});
afterAll(async () => {
  await ledge.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond`, bounded: fails the test with `what` instead of hanging. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function client(clientId: string) {
  return new Kafka({ brokers: [`127.0.0.1:${ledge.port}`], clientId, logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
}

async function produce(topic: string, count: number, tag: string): Promise<void> {
  const producer = client("producer").producer();
  await producer.connect();
  for (let i = 0; i < count; i += 100) {
    const messages = Array.from({ length: Math.min(100, count - i) }, (_, j) => ({ key: `${tag}-${i + j}`, value: `${tag}-${i + j}` }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}

type Seen = Map<string, number>;

/** Offsets below each partition's high watermark that no member processed. */
function gaps(topic: string, seen: Seen, partitions: number) {
  return Array.from({ length: partitions }, (_, p) => {
    const hwm = ledge.log.partitionState(topic, p)!.highWatermark;
    const missing: number[] = [];
    for (let o = 0; o < hwm && missing.length < 20; o++) if (!seen.has(`${p}:${o}`)) missing.push(o);
    return { partition: p, hwm, committed: ledge.offsets.fetch("kjs", topic, p)?.offset, missing };
  });
}

/** A group member that counts each (partition, offset) it processes and commits after each. */
async function member(groupId: string, topic: string, seen: Seen, counts: Record<string, number>, name: string, delayMs: number): Promise<Consumer> {
  const consumer = client(name).consumer({ groupId, sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200, retry: { retries: 20 } });
  counts[name] = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommitThreshold: 1,
    eachMessage: async ({ partition, message }) => {
      const key = `${partition}:${message.offset}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      counts[name]++;
      if (delayMs > 0) await sleep(delayMs);
    },
  });
  return consumer;
}

describe("kafkajs consumer group", () => {
  it("three members join and leave during consumption: every record processed exactly once", async () => {
    const topic = "kjs-orders";
    const total = 1200;
    await ledge.log.createTopic(topic, 6);
    await produce(topic, total, "o");
    const seen: Seen = new Map();
    const counts: Record<string, number> = {};
    const processed = () => [...seen.values()].reduce((a, b) => a + b, 0);
    const c1 = await member("kjs", topic, seen, counts, "c1", 3);
    await until(() => processed() >= 150, 20_000, "c1 to start consuming");
    const c2 = await member("kjs", topic, seen, counts, "c2", 3);
    await until(() => counts.c2 > 20, 30_000, "c2 to be assigned partitions and consume");
    const c3 = await member("kjs", topic, seen, counts, "c3", 3);
    await until(() => counts.c3 > 20, 30_000, "c3 to be assigned partitions and consume");
    await c1.disconnect();
    const afterLeave = processed();
    await until(() => seen.size >= total, 40_000, `all ${total} records`).catch((err) => {
      throw new Error(`${err.message}; per partition: ${JSON.stringify(gaps(topic, seen, 6))}`);
    });
    await sleep(700); // room for a duplicate to show up, if one were coming
    await Promise.all([c2.disconnect(), c3.disconnect()]);
    const twice = [...seen].filter(([, n]) => n !== 1);
    expect(twice).toEqual([]);
    expect(gaps(topic, seen, 6).every((g) => g.missing.length === 0)).toBe(true);
    expect(seen.size).toBe(total);
    expect(processed()).toBeGreaterThan(afterLeave);
    for (const name of ["c1", "c2", "c3"]) expect(counts[name], name).toBeGreaterThan(0);
    // Each join and the leave was a rebalance; every member's last commit is in the store.
    const generations = ledge.logLines.filter((l) => l.includes("group kjs generation")).length;
    expect(generations).toBeGreaterThanOrEqual(3);
    let committed = 0;
    for (let p = 0; p < 6; p++) committed += ledge.offsets.fetch("kjs", topic, p)?.offset ?? 0;
    expect(committed).toBe(total);
  }, 90_000);

  it("kafkajs admin lists and describes a running group, fetches its offsets, and sets offsets once it is empty", async () => {
    const topic = "kjs-admin";
    await ledge.log.createTopic(topic, 2);
    await produce(topic, 20, "a");
    const seen: Seen = new Map();
    const counts: Record<string, number> = {};
    const consumer = await member("admin-g", topic, seen, counts, "m1", 0);
    await until(() => seen.size >= 20, 20_000, "20 records");
    const admin = client("admin").admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups).toContainEqual({ groupId: "admin-g", protocolType: "consumer" });
      const described = await admin.describeGroups(["admin-g"]);
      expect(described.groups[0]).toMatchObject({ groupId: "admin-g", state: "Stable", protocolType: "consumer", protocol: "RoundRobinAssigner" });
      expect(described.groups[0].members).toHaveLength(1);
      expect(described.groups[0].members[0].clientId).toBe("m1");
      const fetched = await admin.fetchOffsets({ groupId: "admin-g", topics: [topic] });
      const sum = fetched[0].partitions.reduce((a, p) => a + Number(p.offset), 0);
      expect(sum).toBe(20);
      // setOffsets needs an empty group: it commits with generation -1 from outside the group.
      await consumer.disconnect();
      await admin.setOffsets({ groupId: "admin-g", topic, partitions: [{ partition: 0, offset: "0" }, { partition: 1, offset: "0" }] });
      const reset = await admin.fetchOffsets({ groupId: "admin-g", topics: [topic] });
      expect(reset[0].partitions.map((p) => p.offset)).toEqual(["0", "0"]);
      expect((await admin.describeGroups(["admin-g"])).groups[0].state).toBe("Empty");
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it("a restart keeps committed offsets: the group resumes after them and sees no record twice", async () => {
    const topic = "kjs-restart";
    await ledge.log.createTopic(topic, 2);
    await produce(topic, 60, "before");
    const seen: Seen = new Map();
    const counts: Record<string, number> = {};
    const first = await member("resume", topic, seen, counts, "r1", 0);
    await until(() => seen.size >= 60, 20_000, "the first 60 records");
    await first.disconnect();
    const before = [0, 1].map((p) => ledge.offsets.fetch("resume", topic, p)?.offset ?? 0);
    expect(before[0] + before[1]).toBe(60);

    await ledge.restart();
    expect([0, 1].map((p) => ledge.offsets.fetch("resume", topic, p)?.offset)).toEqual(before);
    await produce(topic, 20, "after");
    const again: Seen = new Map();
    const second = await member("resume", topic, again, counts, "r2", 0);
    await until(() => again.size >= 20, 20_000, "the 20 records produced after the restart");
    await sleep(500);
    await second.disconnect();
    expect(again.size).toBe(20);
    for (const key of again.keys()) {
      const [p, offset] = key.split(":").map(Number);
      expect(offset, `partition ${p} offset ${offset} was committed before the restart`).toBeGreaterThanOrEqual(before[p]);
    }
  }, 60_000);
});
