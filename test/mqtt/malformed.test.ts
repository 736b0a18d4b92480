// Bad input, each on its own connection, while another client keeps publishing and receiving:
// the bad connection is closed (with a reason where the protocol has one) and nobody else
// notices. DESIGN.md: a malformed MQTT packet closes that connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { IConnackPacket, IDisconnectPacket } from "mqtt-packet";
import type { MqttClient } from "mqtt";
import { collect, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawClient, rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
let sub: MqttClient;
let pub: MqttClient;
let inbox: ReturnType<typeof collect>;
let round = 0;

beforeAll(async () => {
  f = await startGateway({ mqtt: { allowAnonymous: true, limits: { packetBytesMax: "64KiB" } } });
  sub = await f.connect({ protocolVersion: 5, clientId: "healthy-sub" });
  inbox = collect(sub);
  await sub.subscribeAsync("healthy/#", { qos: 1 });
  pub = await f.connect({ protocolVersion: 4, clientId: "healthy-pub" });
});
afterAll(async () => f?.close());

/** The healthy pair still works: one QoS 1 message goes through end to end. */
async function othersUnaffected(): Promise<void> {
  round++;
  await pub.publishAsync(`healthy/${round}`, `m${round}`, { qos: 1 });
  const got = await inbox.next(round);
  expect(got[round - 1].payload.toString()).toBe(`m${round}`);
  expect(sub.connected && pub.connected).toBe(true);
}

/** A v4 PUBLISH frame with raw topic bytes. */
function publishFrame(topic: Buffer, payload = Buffer.from("x")): Buffer {
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, payload]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

describe("malformed input", () => {
  it("random bytes close that connection only", async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
      const c = await rawClient(f.port);
      c.sendBytes(Buffer.from(bytes));
      c.sendBytes(Buffer.alloc(8, 0xff)); // never a valid continuation: ends every fragment
      c.end();
    }), { numRuns: 40 });
    // After CONNECT too: random PUBLISH-typed frames of either protocol version.
    await fc.assert(fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 60 }), fc.integer({ min: 0, max: 15 }), fc.constantFrom(4 as const, 5 as const), async (body, flags, version) => {
      const c = await rawConnected(f.port, version);
      c.sendBytes(Buffer.concat([Buffer.from([0x30 | flags, body.length]), Buffer.from(body)]));
      c.send({ cmd: "pingreq" });
      // Either the frame was bad (closed) or valid (then the PINGREQ is answered).
      const answered = await Promise.race([c.next("pingresp", 2000).then(() => true, () => false), c.closed(2000)]);
      expect(answered).toBe(true);
      c.end();
    }), { numRuns: 30 });
    const c = await rawClient(f.port);
    c.sendBytes(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x7f])); // 5-byte remaining length [MQTT-1.5.5-1]
    expect(await c.closed()).toBe(true);
    await othersUnaffected();
  });

  it("a remaining length over mqtt.limits.packetBytesMax closes before the body is buffered", async () => {
    const c = await rawConnected(f.port, 5);
    c.sendBytes(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x01])); // claims 2 MiB, sends nothing more
    const d = (await c.next("disconnect")) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x95);
    expect(await c.closed()).toBe(true);
    await othersUnaffected();
  });

  it("an oversize PUBLISH (all bytes sent) gets 0x95 Packet too large on MQTT 5, a close on 3.1.1", async () => {
    const v5 = await rawConnected(f.port, 5);
    v5.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(70_000), qos: 1, messageId: 1, dup: false, retain: false });
    expect(((await v5.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x95);
    const v4 = await rawConnected(f.port, 4);
    v4.send({ cmd: "publish", topic: "big", payload: Buffer.alloc(70_000), qos: 1, messageId: 1, dup: false, retain: false });
    expect(await v4.closed()).toBe(true);
    expect(v4.packets.filter((p) => p.cmd === "puback")).toHaveLength(0);
    await othersUnaffected();
  });

  it("a CONNECT with protocol level 6 gets CONNACK 0x01 and a close [MQTT-3.1.2-2]", async () => {
    const c = await rawClient(f.port);
    // CONNECT, "MQTT", level 6, clean, keepalive 60, client id "x"
    c.sendBytes(Buffer.from([0x10, 13, 0, 4, 0x4d, 0x51, 0x54, 0x54, 6, 0x02, 0, 60, 0, 1, 0x78]));
    const ack = (await c.next("connack")) as IConnackPacket;
    expect(ack.returnCode).toBe(1);
    expect(await c.closed()).toBe(true);
    await othersUnaffected();
  });

  it("a non-UTF-8 topic closes the connection [MQTT-1.5.4-1]", async () => {
    const c = await rawConnected(f.port, 4);
    c.sendBytes(publishFrame(Buffer.from([0x61, 0xc3, 0x28])));
    expect(await c.closed()).toBe(true);
    await othersUnaffected();
  });

  it("a wildcard in a PUBLISH topic gets 0x90 on MQTT 5 and a close on 3.1.1 [MQTT-3.3.2-2]", async () => {
    const v5 = await rawConnected(f.port, 5);
    v5.send({ cmd: "publish", topic: "a/+/b", payload: Buffer.from("x"), qos: 1, messageId: 3, dup: false, retain: false });
    expect(((await v5.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x90);
    const v4 = await rawConnected(f.port, 4);
    v4.sendBytes(publishFrame(Buffer.from("a/#")));
    expect(await v4.closed()).toBe(true);
    const stored = f.log.read("mqtt-messages", 0, 0, 1 << 24).batches.length;
    expect(stored).toBe(round); // only the healthy publishes reached the log
    await othersUnaffected();
  });

  it("PUBLISH flag and id errors close the connection: QoS 3 [MQTT-3.3.1-4], DUP on QoS 0 [MQTT-3.3.1-2], packet id 0 [MQTT-2.2.1-3]", async () => {
    const topic = Buffer.from([0, 1, 0x74]); // "t"
    const frames = [
      Buffer.concat([Buffer.from([0x36, 5]), topic, Buffer.from([0, 1])]), // QoS bits 11
      Buffer.concat([Buffer.from([0x38, 4]), topic, Buffer.from("x")]), // DUP with QoS 0
      Buffer.concat([Buffer.from([0x32, 6]), topic, Buffer.from([0, 0]), Buffer.from("x")]), // QoS 1, id 0
    ];
    for (const frame of frames) {
      for (const version of [4, 5] as const) {
        const c = await rawConnected(f.port, version);
        c.sendBytes(frame);
        expect(await c.closed()).toBe(true);
        expect(c.packets.filter((p) => p.cmd === "puback")).toHaveLength(0);
      }
    }
    await othersUnaffected();
  });

  it("a flood of bad clients is logged at most 20 lines per 10 s, the rest counted", async () => {
    const before = f.logLines.length;
    for (let i = 0; i < 40; i++) {
      const c = await rawClient(f.port);
      c.sendBytes(publishFrame(Buffer.from("early")));
      await c.closed();
    }
    expect(f.logLines.length - before).toBeLessThanOrEqual(20);
    await othersUnaffected();
  });

  it("a PUBLISH before CONNECT closes the connection [MQTT-3.1.0-1]", async () => {
    const c = await rawClient(f.port);
    c.sendBytes(publishFrame(Buffer.from("early")));
    expect(await c.closed()).toBe(true);
    expect(c.packets).toHaveLength(0);
    await othersUnaffected();
  });

  it("a second CONNECT is a protocol error 0x82 [MQTT-3.1.0-2]", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "again", clean: true, keepalive: 60 });
    expect(((await c.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x82);
    await othersUnaffected();
  });

  it("a topic alias above the maximum gets 0x94 [MQTT-3.3.2-9]", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "t", payload: Buffer.from("x"), qos: 0, dup: false, retain: false, properties: { topicAlias: 60_000 } });
    expect(((await c.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x94);
    await othersUnaffected();
  });
});
