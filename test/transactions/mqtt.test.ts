// MQTT subscribers read Kafka transactions as a read_committed consumer does: kafkajs produces
// transactionally into a routed log topic (record key = the MQTT topic), and a real ledge
// process's MQTT.js subscriber gets committed records only, never an aborted one, nothing of a
// transaction while it is open (records behind it wait too), and everything committed in log
// order once it commits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel, type Producer } from "kafkajs";
import mqtt, { type MqttClient } from "mqtt";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { collect, type Inbox } from "../mqtt/helpers/gateway-fixture.ts";

/** `txm/#` is routed to `tx-mqtt` (one partition: one order); everything else to mqtt-messages. */
const routedTopic = "tx-mqtt";

let dirs: LedgeDirs;
let ledge: LedgeProcess;
let kafka: Kafka;
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  dirs = await ledgeDirs("ledge-txn-mqtt-", [
    "mqtt:",
    "  allowAnonymous: true",
    "  routes:",
    `    - { filter: "txm/#", topic: ${routedTopic} }`,
    "topics:",
    `  - { name: ${routedTopic}, partitions: 1 }`,
    "  - { name: mqtt-messages, partitions: 1 }",
  ].join("\n") + "\n");
  ledge = await startLedge(dirs.args);
  kafka = new Kafka({ clientId: "txn-mqtt-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
}, 60_000);

afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  ledge?.child.kill("SIGKILL");
  await dirs?.remove();
});

async function subscriber(filter: string): Promise<{ client: MqttClient; inbox: Inbox }> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { reconnectPeriod: 0, clean: true });
  cleanup.push(() => client.endAsync());
  const inbox = collect(client, 10_000);
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, inbox };
}

async function transactionalProducer(id: string, transactionTimeout?: number): Promise<Producer> {
  const producer = kafka.producer({ transactionalId: id, idempotent: true, maxInFlightRequests: 1, transactionTimeout });
  await producer.connect();
  cleanup.push(() => producer.disconnect());
  return producer;
}

/** Every data record of the routed topic as read_uncommitted sees it (`key=value`), by kcat. */
async function logContents(): Promise<string[]> {
  const read = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-C", "-t", routedTopic, "-e", "-q", "-X", "isolation.level=read_uncommitted", "-f", "%k=%s\n"]);
  expect(read.code, read.stderr).toBe(0);
  return read.stdout.split("\n").filter((l) => l !== "");
}

const seen = (inbox: Inbox) => inbox.got.map((m) => `${m.topic}=${m.payload.toString()}`);

describe("MQTT delivery of Kafka transactions", () => {
  it("subscribers never receive aborted records, only committed ones, in order", { timeout: 60_000 }, async () => {
    const { inbox } = await subscriber("txm/a/#");
    const producer = await transactionalProducer("tx-mqtt-abort");

    const first = await producer.transaction();
    await first.send({ topic: routedTopic, messages: [{ key: "txm/a/1", value: "c1" }, { key: "txm/a/2", value: "c2" }] });
    await first.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: routedTopic, messages: [{ key: "txm/a/1", value: "x1" }, { key: "txm/a/3", value: "x2" }] });
    await aborted.send({ topic: routedTopic, messages: [{ key: "txm/a/2", value: "x3" }] });
    await aborted.abort();
    const last = await producer.transaction();
    await last.send({ topic: routedTopic, messages: [{ key: "txm/a/3", value: "c3" }] });
    await last.commit();

    // The aborted records are in the log (read_uncommitted shows them) ...
    expect(await logContents()).toEqual(["txm/a/1=c1", "txm/a/2=c2", "txm/a/1=x1", "txm/a/3=x2", "txm/a/2=x3", "txm/a/3=c3"]);
    // ... and delivery follows the log's order in one partition, so once c3 (behind them) has
    // arrived, any aborted record delivered would have arrived before it.
    await inbox.next(3);
    expect(seen(inbox)).toEqual(["txm/a/1=c1", "txm/a/2=c2", "txm/a/3=c3"]);
    // Committed Kafka records are offered at QoS 1 (no mqtt.qos header).
    expect(inbox.got.map((m) => m.packet.qos)).toEqual([1, 1, 1]);
    expect(ledge.stderr()).not.toMatch(/delivering from log topic .* failed/);
  });

  it("an open transaction holds back its records and every record behind it until it commits", { timeout: 60_000 }, async () => {
    const { inbox } = await subscriber("txm/b/#");
    const { inbox: sentinelInbox } = await subscriber("other/#");
    const producer = await transactionalProducer("tx-mqtt-open");
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { reconnectPeriod: 0 });
    cleanup.push(() => publisher.endAsync());

    const open = await producer.transaction();
    await open.send({ topic: routedTopic, messages: [{ key: "txm/b/1", value: "o1" }, { key: "txm/b/2", value: "o2" }] });
    // Behind the open transaction in the same partition: an MQTT publish (acknowledged once
    // durable) and a plain Kafka record.
    await publisher.publishAsync("txm/b/3", "p1", { qos: 1 });
    const plain = kafka.producer();
    await plain.connect();
    cleanup.push(() => plain.disconnect());
    await plain.send({ topic: routedTopic, messages: [{ key: "txm/b/4", value: "p2" }] });
    expect((await logContents()).slice(-4)).toEqual(["txm/b/1=o1", "txm/b/2=o2", "txm/b/3=p1", "txm/b/4=p2"]);

    // A message on another log topic, published after all of them, reaches its subscriber:
    // the tail is running and has had its chance at the held-back ones.
    await publisher.publishAsync("other/sentinel", "s", { qos: 1 });
    await sentinelInbox.next(1);
    // A little longer still: a wrong delivery can only show up here, never make this fail late.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen(inbox), "nothing of an open transaction, nor what is behind it, is delivered").toEqual([]);

    await open.commit();
    await inbox.next(4);
    expect(seen(inbox)).toEqual(["txm/b/1=o1", "txm/b/2=o2", "txm/b/3=p1", "txm/b/4=p2"]);
  });

  it("records behind an aborted open transaction arrive at its abort, its own never", { timeout: 60_000 }, async () => {
    const { inbox } = await subscriber("txm/c/#");
    const producer = await transactionalProducer("tx-mqtt-open-abort");
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { reconnectPeriod: 0 });
    cleanup.push(() => publisher.endAsync());

    const open = await producer.transaction();
    await open.send({ topic: routedTopic, messages: [{ key: "txm/c/1", value: "y1" }] });
    await publisher.publishAsync("txm/c/2", "q1", { qos: 1 });
    await open.send({ topic: routedTopic, messages: [{ key: "txm/c/3", value: "y2" }] });
    await publisher.publishAsync("txm/c/4", "q2", { qos: 1 });
    await open.abort();
    const next = await producer.transaction();
    await next.send({ topic: routedTopic, messages: [{ key: "txm/c/5", value: "c5" }] });
    await next.commit();

    await inbox.next(3);
    expect(seen(inbox)).toEqual(["txm/c/2=q1", "txm/c/4=q2", "txm/c/5=c5"]);
  });

  it("a transaction its producer abandons is aborted at its timeout: what is behind it arrives, its own records never", { timeout: 60_000 }, async () => {
    const { inbox } = await subscriber("txm/d/#");
    const producer = await transactionalProducer("tx-mqtt-abandoned", 1500);
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { reconnectPeriod: 0 });
    cleanup.push(() => publisher.endAsync());

    const abandoned = await producer.transaction();
    await abandoned.send({ topic: routedTopic, messages: [{ key: "txm/d/1", value: "z1" }] });
    await publisher.publishAsync("txm/d/2", "r1", { qos: 1 });
    // Neither commit nor abort: ledge's timeout check (every second) aborts it after 1.5 s.
    await inbox.next(1);
    expect(seen(inbox)).toEqual(["txm/d/2=r1"]);
    expect(await logContents()).toContain("txm/d/1=z1");
  });
});
