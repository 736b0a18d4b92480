// Idempotent producers end to end: a proxy cuts the connection after ledge stored a Produce
// but before the client saw the answer, so kafkajs retries batches ledge already has. Each
// record must be stored exactly once, in order. (kcat cannot run this: with its only broker
// disconnected it exits on "all brokers down" instead of retrying.)
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { connect } from "node:net";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { startFaultProxy, type FaultProxy } from "./helpers/fault-proxy.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: TestLedge;
let proxy: FaultProxy;

beforeAll(async () => {
  ledge = await startTestLedge({}, { topics: [{ name: "idem", partitions: 1 }] });
});
afterAll(async () => {
  await proxy?.close();
  await ledge?.close();
});

async function storedValues(topic: string): Promise<string[]> {
  const c = await kcat(["-b", `127.0.0.1:${ledge.port}`, "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%s\n"]);
  return c.stdout.split("\n").filter((l) => l.length > 0);
}

describe("retried produces are stored once", () => {
  it("kafkajs idempotent producer: answers lost twice, every record stored exactly once and in order", async () => {
    proxy = await startFaultProxy(ledge.port, 0, 2);
    // Every kafkajs connection (bootstrap and the broker from Metadata) goes through the proxy.
    const kafka = new Kafka({
      brokers: [`127.0.0.1:${ledge.port}`], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 50 },
      socketFactory: ({ onConnect }) => connect({ host: "127.0.0.1", port: proxy.port }, onConnect),
    });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const messages = Array.from({ length: 10 }, (_, j) => ({ value: `kjs-${i}-${j}` }));
      sent.push(...messages.map((m) => m.value));
      await producer.send({ topic: "idem", acks: -1, messages });
    }
    await producer.disconnect();
    expect(proxy.cuts()).toBe(2);
    expect(ledge.log.partitionState("idem", 0).highWatermark).toBe(50);
    expect(await storedValues("idem")).toEqual(sent);
    await proxy.close();
  });
});
