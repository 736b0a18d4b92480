// PUBLISH end to end with MQTT.js 3.1.1 and 5: each QoS delivered, acks after the log holds it,
// records with the right key, headers and partition.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch, readRecordCount, type EncodedBatch } from "../../runtime/core/index.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import { collect, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 4 }] });
});
afterAll(async () => f?.close());

function logRecords(topic: string) {
  const out = [];
  const d = f.log.describeTopic(topic)!;
  for (let p = 0; p < d.partitions; p++) {
    const r = f.log.read(topic, p, 0, 64 * 1024 * 1024);
    for (const b of r.batches) for (const rec of decodeBatch(b).records) out.push({ partition: p, ...rec });
  }
  return out;
}

describe("PUBLISH", () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`delivers QoS 0, 1 and 2 to a subscriber (MQTT ${protocolVersion === 4 ? "3.1.1" : "5"})`, async () => {
      const sub = await f.connect({ protocolVersion });
      const inbox = collect(sub);
      await sub.subscribeAsync(`v${protocolVersion}/q/#`, { qos: 2 });
      const pub = await f.connect({ protocolVersion });
      await pub.publishAsync(`v${protocolVersion}/q/0`, "zero", { qos: 0 });
      await pub.publishAsync(`v${protocolVersion}/q/1`, "one", { qos: 1 });
      await pub.publishAsync(`v${protocolVersion}/q/2`, "two", { qos: 2 });
      const got = await inbox.next(3);
      const byTopic = Object.fromEntries(got.map((g) => [g.topic, { payload: g.payload.toString(), qos: g.packet.qos }]));
      expect(byTopic).toEqual({
        [`v${protocolVersion}/q/0`]: { payload: "zero", qos: 0 },
        [`v${protocolVersion}/q/1`]: { payload: "one", qos: 1 },
        [`v${protocolVersion}/q/2`]: { payload: "two", qos: 2 },
      });
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    });
  }

  it("stores the message in mqtt-messages with key = topic, Kafka's partition, QoS/retain/user-property headers", async () => {
    const pub = await f.connect({ protocolVersion: 5, clientId: "plc-7" });
    await pub.publishAsync("plant/line7/temp", "21.5", { qos: 1, properties: { userProperties: { site: "berlin" }, contentType: "text/plain" } });
    const recs = logRecords("mqtt-messages").filter((r) => Buffer.from(r.key!).toString() === "plant/line7/temp");
    expect(recs).toHaveLength(1);
    const rec = recs[0];
    expect(rec.partition).toBe(partitionForKey(Buffer.from("plant/line7/temp"), 4));
    expect(Buffer.from(rec.value!).toString()).toBe("21.5");
    const headers = Object.fromEntries(rec.headers.map((h) => [h.key, Buffer.from(h.value!).toString()]));
    expect(headers).toMatchObject({ "mqtt.qos": "1", "mqtt.retain": "false", site: "berlin", "mqtt.content-type": "text/plain", "mqtt.client-id": "plc-7" });
    await pub.endAsync();
  });
});

describe("accumulation and durability", () => {
  it("puts PUBLISHes arriving in one event-loop turn into one multi-record batch", async () => {
    const { rawConnected } = await import("./helpers/raw-client.ts");
    const mqttPacket = (await import("mqtt-packet")).default;
    const c = await rawConnected(f.port, 4);
    const frames = Array.from({ length: 50 }, (_, i) =>
      mqttPacket.generate({ cmd: "publish", topic: "acc/same", payload: Buffer.from(String(i)), qos: 1, messageId: i + 1, dup: false, retain: false }));
    c.sendBytes(Buffer.concat(frames)); // one write: one read on the server
    for (let i = 0; i < 50; i++) await c.next("puback");
    const p = partitionForKey(Buffer.from("acc/same"), 4);
    const batches = f.log.read("mqtt-messages", p, 0, 1 << 26).batches
      .map((b) => decodeBatch(b).records.filter((r) => Buffer.from(r.key!).toString() === "acc/same").length)
      .filter((n) => n > 0);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(50);
    expect(batches.length).toBeLessThanOrEqual(3);
    c.end();
  });

  it("sends PUBACK only after the log's append promise resolves", async () => {
    const { startMqttGateway } = await import("../../gateways/mqtt/gateway.ts");
    const { createLogger } = await import("../../runtime/logger.ts");
    const { Metrics } = await import("../../runtime/metrics/index.ts");
    const { rawConnected } = await import("./helpers/raw-client.ts");
    // The real log, with its append promises held back until the test releases them.
    const held: Array<() => void> = [];
    const log = f.log;
    const gatedLog = {
      ensureTopic: log.ensureTopic.bind(log), read: log.read.bind(log), readInto: log.readInto.bind(log), waitForData: log.waitForData.bind(log), readCommitted: log.readCommitted.bind(log), waitForStable: log.waitForStable.bind(log),
      partitionState: log.partitionState.bind(log), storedBytes: log.storedBytes.bind(log), setProtectedOffset: log.setProtectedOffset.bind(log), openStore: log.openStore.bind(log), onTopicChange: log.onTopicChange.bind(log), storageFailure: null,
      appendEncoded: async (topic: string, partition: number, batch: EncodedBatch) => {
        const result = await log.appendEncoded(topic, partition, batch);
        await new Promise<void>((release) => held.push(release));
        return result;
      },
    };
    const gw = await startMqttGateway({ config: { ...f.config, mqtt: { allowAnonymous: true } }, log: gatedLog, logger: createLogger("t", () => {}), metrics: new Metrics() });
    const c = await rawConnected(gw.port, 4);
    c.send({ cmd: "publish", topic: "gate/x", payload: Buffer.from("x"), qos: 1, messageId: 1, dup: false, retain: false });
    const deadline = Date.now() + 2000;
    while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    expect(c.packets.filter((p) => p.cmd === "puback")).toHaveLength(0);
    for (const release of held) release();
    expect((await c.next("puback")).messageId).toBe(1);
    c.end();
    await gw.close();
  });
});

describe("records produced over Kafka", () => {
  it("reach MQTT subscribers with key = MQTT topic and headers → user properties, once", async () => {
    const { encodeBatch } = await import("../../runtime/core/index.ts");
    const { client: sub, inbox } = await f.connectWithInbox({ protocolVersion: 5 });
    await sub.subscribeAsync("from-kafka/#", { qos: 1 });
    const key = Buffer.from("from-kafka/dev1");
    const batch = encodeBatch([{ key, value: Buffer.from("kafka!"), headers: [{ key: "source", value: Buffer.from("kcat") }], timestampMs: Date.now() }]);
    await f.log.append("mqtt-messages", partitionForKey(key, 4), batch);
    const [m] = await inbox.next(1);
    expect([m.topic, m.payload.toString(), m.packet.qos]).toEqual(["from-kafka/dev1", "kafka!", 1]);
    expect(m.packet.properties?.userProperties).toEqual({ source: "kcat" });
    await new Promise((r) => setTimeout(r, 100));
    expect(inbox.got).toHaveLength(1);
    await sub.endAsync();
  });
});

describe("ingest backpressure", () => {
  it("holds at most mqtt.limits.ingestPendingCountMax messages that are not yet durable; reading pauses meanwhile", async () => {
    const { startMqttGateway } = await import("../../gateways/mqtt/gateway.ts");
    const { createLogger } = await import("../../runtime/logger.ts");
    const { Metrics } = await import("../../runtime/metrics/index.ts");
    const { rawConnected } = await import("./helpers/raw-client.ts");
    const mqttPacket = (await import("mqtt-packet")).default;
    // The real log, its appends held until released: nothing becomes durable meanwhile.
    const held: Array<() => void> = [];
    let appendedRecords = 0;
    const log = f.log;
    const gatedLog = {
      ensureTopic: log.ensureTopic.bind(log), read: log.read.bind(log), readInto: log.readInto.bind(log), waitForData: log.waitForData.bind(log), readCommitted: log.readCommitted.bind(log), waitForStable: log.waitForStable.bind(log),
      partitionState: log.partitionState.bind(log), storedBytes: log.storedBytes.bind(log), setProtectedOffset: log.setProtectedOffset.bind(log), openStore: log.openStore.bind(log), onTopicChange: log.onTopicChange.bind(log), storageFailure: null,
      appendEncoded: async (topic: string, partition: number, batch: EncodedBatch) => {
        appendedRecords += readRecordCount(batch);
        await new Promise<void>((release) => held.push(release));
        return log.appendEncoded(topic, partition, batch);
      },
    };
    const metrics = new Metrics();
    const gw = await startMqttGateway({ config: { ...f.config, mqtt: { allowAnonymous: true, limits: { ingestPendingCountMax: 50, batchCountMax: 10 } } }, log: gatedLog, logger: createLogger("t", () => {}), metrics });
    const c = await rawConnected(gw.port, 4);
    c.sendBytes(Buffer.concat(Array.from({ length: 500 }, () => mqttPacket.generate({ cmd: "publish", topic: "bp/x", payload: Buffer.from("x"), qos: 0, dup: false, retain: false }))));
    c.send({ cmd: "pingreq" });
    await new Promise((r) => setTimeout(r, 300));
    expect(appendedRecords).toBeLessThanOrEqual(60); // the bound plus one batch in progress
    expect(c.packets.filter((p) => p.cmd === "pingresp")).toHaveLength(0); // the PINGREQ is not read yet
    for (let i = 0; i < 100 && c.packets.every((p) => p.cmd !== "pingresp"); i++) {
      for (const release of held.splice(0)) release();
      await new Promise((r) => setTimeout(r, 20));
    }
    await c.next("pingresp");
    expect(metrics.counter("ledge_mqtt_messages_in_total", "").value).toBe(500);
    c.end();
    for (const release of held.splice(0)) release();
    await gw.close();
  });
});
