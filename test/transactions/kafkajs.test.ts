// Kafka transactions against a real ledge process with kafkajs 2.2: transactional producers
// commit and abort, read_committed consumers see committed records only (read_uncommitted ones
// see the aborted too, as against Kafka), sendOffsets commits group offsets with the output,
// a second instance fences the first, and a silent transaction is aborted at its timeout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";

let dirs: LedgeDirs;
let ledge: LedgeProcess;
let kafka: Kafka;

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-txn-kafkajs-", [
    "mqtt: { allowAnonymous: true }",
    "topics:",
    "  - { name: tx-out, partitions: 2 }",
    "  - { name: tx-in, partitions: 1 }",
    "  - { name: tx-timeout, partitions: 1 }",
    "transactions: { timeoutMsMax: 60s }",
  ].join("\n") + "\n");
  ledge = await startLedge(dirs.args);
  kafka = new Kafka({ clientId: "txn-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}, 60_000);

afterAll(async () => {
  ledge?.child.kill("SIGKILL");
  await dirs?.remove();
});

/** Every record of `topic` a fresh consumer group sees, values in order per partition. */
async function consumeAll(topic: string, readUncommitted: boolean, expected: number, timeoutMs = 15_000): Promise<Map<number, string[]>> {
  const consumer: Consumer = kafka.consumer({ groupId: `reader-${topic}-${readUncommitted}-${Date.now()}`, readUncommitted, maxWaitTimeInMs: 100 });
  const out = new Map<number, string[]>();
  let n = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          (out.get(partition) ?? out.set(partition, []).get(partition)!).push(message.value!.toString());
          if (++n >= expected) resolve();
        },
      });
    });
    await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs))]);
    await new Promise((r) => setTimeout(r, 500)); // anything beyond `expected` shows up now
  } finally {
    await consumer.disconnect();
  }
  return out;
}

const values = (m: Map<number, string[]>) => [...m.values()].flat().sort();

describe("kafkajs transactions", () => {
  it("commits and aborts; read_committed sees committed records only, read_uncommitted all", { timeout: 60_000 }, async () => {
    const producer = kafka.producer({ transactionalId: "tx-a", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: "tx-out", messages: [{ key: "k1", value: "c1", partition: 0 }, { key: "k2", value: "c2", partition: 1 }] });
    await committed.send({ topic: "tx-out", messages: [{ key: "k3", value: "c3", partition: 0 }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: "tx-out", messages: [{ value: "a1", partition: 0 }, { value: "a2", partition: 1 }] });
    await aborted.abort();
    const again = await producer.transaction();
    await again.send({ topic: "tx-out", messages: [{ value: "c4", partition: 1 }] });
    await again.commit();
    await producer.disconnect();

    const readCommitted = await consumeAll("tx-out", false, 4);
    expect(readCommitted.get(0)).toEqual(["c1", "c3"]);
    expect(readCommitted.get(1)).toEqual(["c2", "c4"]);
    const readAll = await consumeAll("tx-out", true, 6);
    expect(values(readAll)).toEqual(["a1", "a2", "c1", "c2", "c3", "c4"]);
  });

  it("sendOffsets commits the consumer group's offsets with the output, only at commit", { timeout: 60_000 }, async () => {
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic: "tx-in", messages: [{ value: "i0" }, { value: "i1" }, { value: "i2" }] });
    await plain.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ transactionalId: "tx-offsets", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const t1 = await producer.transaction();
      await t1.send({ topic: "tx-out", messages: [{ value: "o-abort", partition: 0 }] });
      await t1.sendOffsets({ consumerGroupId: "cg-tx", topics: [{ topic: "tx-in", partitions: [{ partition: 0, offset: "2" }] }] });
      await t1.abort();
      let offsets = await admin.fetchOffsets({ groupId: "cg-tx", topics: ["tx-in"] });
      expect(offsets[0].partitions[0].offset).toBe("-1"); // aborted: nothing committed
      const t2 = await producer.transaction();
      await t2.send({ topic: "tx-out", messages: [{ value: "o-commit", partition: 0 }] });
      await t2.sendOffsets({ consumerGroupId: "cg-tx", topics: [{ topic: "tx-in", partitions: [{ partition: 0, offset: "3" }] }] });
      // Before the commit the offset is not visible.
      offsets = await admin.fetchOffsets({ groupId: "cg-tx", topics: ["tx-in"] });
      expect(offsets[0].partitions[0].offset).toBe("-1");
      await t2.commit();
      offsets = await admin.fetchOffsets({ groupId: "cg-tx", topics: ["tx-in"] });
      expect(offsets[0].partitions[0].offset).toBe("3");
    } finally {
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it("a second producer with the same transactional id fences the first and aborts its open transaction", { timeout: 60_000 }, async () => {
    const first = kafka.producer({ transactionalId: "tx-zombie", idempotent: true, maxInFlightRequests: 1 });
    await first.connect();
    const open = await first.transaction();
    await open.send({ topic: "tx-timeout", messages: [{ value: "zombie" }] });
    const second = kafka.producer({ transactionalId: "tx-zombie", idempotent: true, maxInFlightRequests: 1 });
    await second.connect();
    const t = await second.transaction(); // kafkajs sends InitProducerId here
    // The first's open transaction was aborted; its commit is refused as fenced.
    const err = await open.commit().then(() => null, (e: unknown) => e as { type?: string; message?: string });
    expect(err, "the fenced producer's commit must fail").not.toBeNull();
    expect(err!.type ?? err!.message).toMatch(/INVALID_PRODUCER_EPOCH|PRODUCER_FENCED|fenced|epoch/i);
    await t.send({ topic: "tx-timeout", messages: [{ value: "successor" }] });
    await t.commit();
    await first.disconnect().catch(() => undefined);
    await second.disconnect();
    const seen = await consumeAll("tx-timeout", false, 1);
    expect(values(seen)).toEqual(["successor"]);
  });
});
