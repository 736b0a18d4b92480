// mqtt.routes: first match wins, key from a topic level, payload checks (json | msgpack) with
// 0x99 on MQTT 5, the default route for the rest; config mistakes name the key.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pack } from "msgpackr";
import type { IPubackPacket } from "mqtt-packet";
import { decodeBatch } from "../../runtime/core/index.ts";
import { readMqttConfig } from "../../gateways/mqtt/config.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({
    topics: [{ name: "telemetry", partitions: 3 }, { name: "state", partitions: 1, config: { "cleanup.policy": "compact" } }],
    mqtt: {
      allowAnonymous: true,
      routes: [
        { filter: "sensors/+/telemetry", topic: "telemetry", key: "{1}", check: "json" },
        { filter: "packed/#", topic: "packed", check: "msgpack" },
        { filter: "state/#", topic: "state" },
      ],
    },
  });
});
afterAll(async () => f?.close());

function records(topic: string) {
  const out = [];
  const d = f.log.describeTopic(topic);
  for (let p = 0; p < (d?.partitions ?? 0); p++) {
    for (const b of f.log.read(topic, p, 0, 1 << 26).batches) {
      for (const r of decodeBatch(b).records) {
        out.push({ p, key: Buffer.from(r.key!).toString(), value: Buffer.from(r.value!).toString(), headers: Object.fromEntries(r.headers.map((h) => [h.key, Buffer.from(h.value!).toString()])) });
      }
    }
  }
  return out;
}

describe("routes", () => {
  it("sends a matching topic to its log topic keyed by the level, the rest to mqtt-messages", async () => {
    const c = await f.connect();
    await c.publishAsync("sensors/dev42/telemetry", '{"t":1}', { qos: 1 });
    await c.publishAsync("other/thing", "x", { qos: 1 });
    const tel = records("telemetry");
    expect(tel).toHaveLength(1);
    expect(tel[0]).toMatchObject({ key: "dev42", value: '{"t":1}', headers: { "mqtt.topic": "sensors/dev42/telemetry" } });
    expect(records("mqtt-messages").map((r) => r.key)).toEqual(["other/thing"]);
    await c.endAsync();
  });

  it("ingests into a compacted topic (the MQTT topic is the key, so no record lacks one)", async () => {
    const c = await f.connect();
    await c.publishAsync("state/door", "open", { qos: 1 });
    await c.publishAsync("state/door", "closed", { qos: 1 });
    await c.publishAsync("state/window", "shut", { qos: 1 });
    expect(records("state").map((r) => `${r.key}=${r.value}`)).toEqual(["state/door=open", "state/door=closed", "state/window=shut"]);
    expect(f.metrics.counter("ledge_mqtt_append_failed_total", "").value).toBe(0);
    await c.endAsync();
  });

  it("delivers a routed message to subscribers under its MQTT topic (from the mqtt.topic header)", async () => {
    const { client: sub, inbox } = await f.connectWithInbox();
    await sub.subscribeAsync("sensors/#", { qos: 1 });
    const c = await f.connect();
    await c.publishAsync("sensors/dev7/telemetry", '{"t":2}', { qos: 1 });
    const [m] = await inbox.next(1);
    expect([m.topic, m.payload.toString()]).toEqual(["sensors/dev7/telemetry", '{"t":2}']);
    await Promise.all([sub.endAsync(), c.endAsync()]);
  });

  it("answers a failed payload check with 0x99 on MQTT 5 and counts it; nothing is stored", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "sensors/bad/telemetry", payload: Buffer.from("{not json"), qos: 1, messageId: 9, dup: false, retain: false });
    const ack = (await c.next("puback")) as IPubackPacket;
    expect(ack.reasonCode).toBe(0x99);
    expect(ack.properties?.reasonString).toMatch(/json/);
    c.send({ cmd: "publish", topic: "packed/a", payload: pack({ ok: true }), qos: 1, messageId: 10, dup: false, retain: false });
    expect(((await c.next("puback")) as IPubackPacket).reasonCode ?? 0).toBe(0);
    c.send({ cmd: "publish", topic: "packed/b", payload: Buffer.from([0x92, 0x01]), qos: 1, messageId: 11, dup: false, retain: false });
    expect(((await c.next("puback")) as IPubackPacket).reasonCode).toBe(0x99);
    expect(records("telemetry").some((r) => r.key === "bad")).toBe(false);
    expect(records("packed")).toHaveLength(1);
    expect(f.metrics.counter("ledge_mqtt_payload_check_failed_total", "").value).toBe(2);
    c.end();
  });
});

describe("mqtt config", () => {
  it("names the key and the expected form on mistakes", () => {
    expect(() => readMqttConfig({ routes: [{ filter: "a/#/b", topic: "t" }] })).toThrow(/mqtt\.routes\[0\]\.filter/);
    expect(() => readMqttConfig({ routes: [{ filter: "a", topic: "t", key: "1" }] })).toThrow(/mqtt\.routes\[0\]\.key/);
    expect(() => readMqttConfig({ routes: [{ filter: "a", topic: "t", check: "xml" }] })).toThrow(/mqtt\.routes\[0\]\.check/);
    expect(() => readMqttConfig({ limits: { inflightCount: 5 } })).toThrow(/mqtt\.limits\.inflightCount\b/);
    expect(() => readMqttConfig({ limits: { packetBytesMax: "huge" } })).toThrow(/mqtt\.limits\.packetBytesMax/);
    expect(readMqttConfig({ limits: { packetBytesMax: "64KiB" } }).limits.packetBytesMax).toBe(65536);
  });
});
