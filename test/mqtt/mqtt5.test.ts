// MQTT 5 features end to end: user properties and content type through the log and back,
// message expiry, topic aliases both ways, the client's maximum packet size, our receive
// maximum, and CONNACK properties.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IConnackPacket, IDisconnectPacket, IPubackPacket, IPublishPacket, ISubackPacket } from "mqtt-packet";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawClient, rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ mqtt: { allowAnonymous: true, limits: { inflightCountMax: 3, topicAliasCountMax: 4 } } });
});
afterAll(async () => f?.close());

describe("MQTT 5", () => {
  it("CONNACK states our limits; an empty client id is assigned one", async () => {
    const c = await rawClient(f.port, 5);
    c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "", clean: true, keepalive: 30 });
    const ack = (await c.next("connack")) as IConnackPacket;
    expect(ack.reasonCode).toBe(0);
    expect(ack.properties).toMatchObject({ receiveMaximum: 3, topicAliasMaximum: 4, maximumPacketSize: 1024 * 1024, sharedSubscriptionAvailable: true });
    expect(ack.properties?.assignedClientIdentifier).toMatch(/^ledge-/);
    c.end();
  });

  it("carries user properties, content type, payload format, response topic and correlation data", async () => {
    const { client: sub, inbox } = await f.connectWithInbox({ protocolVersion: 5 });
    await sub.subscribeAsync("p5/props", { qos: 1 });
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("p5/props", "{}", {
      qos: 1,
      properties: {
        userProperties: { a: "1", b: ["x", "y"] }, contentType: "application/json", payloadFormatIndicator: true,
        responseTopic: "p5/reply", correlationData: Buffer.from("corr"),
      },
    });
    const [m] = await inbox.next(1);
    expect(m.packet.properties).toMatchObject({
      userProperties: { a: "1", b: ["x", "y"] }, contentType: "application/json", payloadFormatIndicator: true, responseTopic: "p5/reply",
    });
    expect(Buffer.from(m.packet.properties!.correlationData!).toString()).toBe("corr");
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it("drops expired messages and counts the expiry down [MQTT-3.3.2-5] [MQTT-3.3.2-6]", async () => {
    const sub = await f.connect({ protocolVersion: 5, clientId: "expiry-sub", clean: false, properties: { sessionExpiryInterval: 60 } });
    await sub.subscribeAsync("p5/exp/#", { qos: 1 });
    await sub.endAsync();
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("p5/exp/short", "short", { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync("p5/exp/long", "long", { qos: 1, properties: { messageExpiryInterval: 100 } });
    await sleep(1200);
    const { client: back, inbox } = await f.connectWithInbox({ protocolVersion: 5, clientId: "expiry-sub", clean: false, properties: { sessionExpiryInterval: 60 } });
    const got = await inbox.next(1);
    await sleep(100);
    expect(got.map((g) => g.topic)).toEqual(["p5/exp/long"]);
    const left = got[0].packet.properties!.messageExpiryInterval!;
    expect(left).toBeLessThanOrEqual(99);
    expect(left).toBeGreaterThan(90);
    await Promise.all([back.endAsync(), pub.endAsync()]);
  });

  it("accepts inbound topic aliases and sends outbound ones up to the client's maximum", async () => {
    const sub = await rawConnected(f.port, 5, "alias-sub", { properties: { topicAliasMaximum: 1 } });
    sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "p5/alias/+", qos: 0 }] });
    await sub.next("suback");
    const pub = await rawConnected(f.port, 5, "alias-pub");
    pub.send({ cmd: "publish", topic: "p5/alias/a", payload: Buffer.from("1"), qos: 1, messageId: 1, dup: false, retain: false, properties: { topicAlias: 2 } });
    await pub.next("puback");
    pub.send({ cmd: "publish", topic: "", payload: Buffer.from("2"), qos: 1, messageId: 2, dup: false, retain: false, properties: { topicAlias: 2 } });
    await pub.next("puback");
    pub.send({ cmd: "publish", topic: "p5/alias/b", payload: Buffer.from("3"), qos: 1, messageId: 3, dup: false, retain: false });
    await pub.next("puback");
    const seen: Array<[string, number | undefined, string]> = [];
    for (let i = 0; i < 3; i++) {
      const p = (await sub.next("publish")) as IPublishPacket;
      seen.push([p.topic, p.properties?.topicAlias, p.payload.toString()]);
    }
    // First use sets alias 1 with the topic, then the topic is left out; alias slots are full for "b".
    expect(seen).toEqual([["p5/alias/a", 1, "1"], ["", 1, "2"], ["p5/alias/b", undefined, "3"]]);
    sub.end();
    pub.end();
  });

  it("does not send a message larger than the client's Maximum Packet Size [MQTT-3.1.2-25]", async () => {
    const { client: small, inbox } = await f.connectWithInbox({ protocolVersion: 5, properties: { maximumPacketSize: 200 } });
    await small.subscribeAsync("p5/size/+", { qos: 1 });
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("p5/size/big", Buffer.alloc(500), { qos: 1 });
    await pub.publishAsync("p5/size/small", "ok", { qos: 1 });
    await inbox.next(1);
    await sleep(100);
    expect(inbox.got.map((g) => g.topic)).toEqual(["p5/size/small"]);
    await Promise.all([small.endAsync(), pub.endAsync()]);
  });

  it("a client past our Receive Maximum gets 0x93 [MQTT-3.3.4-9]; others continue", async () => {
    const greedy = await rawConnected(f.port, 5, "greedy");
    for (let i = 1; i <= 50; i++) {
      greedy.send({ cmd: "publish", topic: "p5/flood", payload: Buffer.from("x"), qos: 1, messageId: i, dup: false, retain: false });
    }
    expect(((await greedy.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x93);
    expect(f.logLines.some((l) => l.includes("receive maximum"))).toBe(true);
    const ok = await f.connect({ protocolVersion: 5 });
    await ok.publishAsync("p5/after", "fine", { qos: 1 });
    await ok.endAsync();
  });

  it("No Local: a subscriber does not get its own messages back [MQTT-3.8.3-3]", async () => {
    const { client: me, inbox } = await f.connectWithInbox({ protocolVersion: 5, clientId: "no-local-me" });
    await me.subscribeAsync("p5/nl", { qos: 1, nl: true });
    await me.publishAsync("p5/nl", "mine", { qos: 1 });
    const other = await f.connect({ protocolVersion: 5 });
    await other.publishAsync("p5/nl", "theirs", { qos: 1 });
    await inbox.next(1);
    await sleep(100);
    expect(inbox.got.map((g) => g.payload.toString())).toEqual(["theirs"]);
    await Promise.all([me.endAsync(), other.endAsync()]);
  });

  it("leaves out reason strings that would make a packet larger than the client's Maximum Packet Size [MQTT-3.1.2-25]", async () => {
    const c = await rawConnected(f.port, 5, "tiny-max", { properties: { maximumPacketSize: 20 } });
    c.send({ cmd: "subscribe", messageId: 4, subscriptions: [{ topic: "bad/#/filter", qos: 0 }] });
    const ack = (await c.next("suback")) as ISubackPacket;
    expect(ack.granted).toEqual([0x8f]);
    expect(ack.properties?.reasonString).toBeUndefined();
    c.end();
  });

  it("sends no reason string on SUBACK when Request Problem Information is 0 [MQTT-3.1.2-29]", async () => {
    const c = await rawConnected(f.port, 5, "no-problems", { properties: { requestProblemInformation: false } });
    c.send({ cmd: "subscribe", messageId: 4, subscriptions: [{ topic: "bad/#/filter", qos: 0 }] });
    const ack = (await c.next("suback")) as ISubackPacket;
    expect(ack.granted).toEqual([0x8f]);
    expect(ack.properties?.reasonString).toBeUndefined();
    c.end();
  });

  it("answers 0x99 when the payload format indicator promises UTF-8 and the payload is not [MQTT-3.3.2-4]", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "p5/pfi", payload: Buffer.from([0xc3, 0x28]), qos: 1, messageId: 5, dup: false, retain: false, properties: { payloadFormatIndicator: true } });
    expect(((await c.next("puback")) as IPubackPacket).reasonCode).toBe(0x99);
    c.send({ cmd: "publish", topic: "p5/pfi", payload: Buffer.from("ü ok"), qos: 1, messageId: 6, dup: false, retain: false, properties: { payloadFormatIndicator: true } });
    expect(((await c.next("puback")) as IPubackPacket).reasonCode ?? 0).toBe(0);
    c.end();
  });

  it("topicAliasCountMax: an alias above the bound is DISCONNECT 0x94 with a reason string [MQTT-3.3.2-9]; one at the bound is taken", async () => {
    const ok = await rawConnected(f.port, 5);
    ok.send({ cmd: "publish", topic: "p5/alias-max", payload: Buffer.from("x"), qos: 1, messageId: 1, dup: false, retain: false, properties: { topicAlias: 4 } });
    expect(((await ok.next("puback")) as IPubackPacket).reasonCode ?? 0).toBe(0);
    ok.end();
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "p5/alias-max", payload: Buffer.from("x"), qos: 1, messageId: 1, dup: false, retain: false, properties: { topicAlias: 5 } });
    const d = (await c.next("disconnect")) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x94);
    expect(d.properties?.reasonString).toMatch(/alias 5 is outside 1\.\.4/);
  });

  it("refuses an unknown topic alias with a protocol error, with a reason string", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "", payload: Buffer.from("x"), qos: 0, dup: false, retain: false, properties: { topicAlias: 3 } });
    const d = (await c.next("disconnect")) as IDisconnectPacket;
    expect(d.reasonCode).toBe(0x82);
    expect(d.properties?.reasonString).toMatch(/alias 3/);
    void collect;
  });
});

describe("MQTT 3.1.1 past the inflight bound", () => {
  it("is slowed down (reading pauses until acks go out), not disconnected", async () => {
    const c = await rawConnected(f.port, 4, "pipeliner");
    for (let i = 1; i <= 40; i++) {
      c.send({ cmd: "publish", topic: "p4/pipe", payload: Buffer.from(String(i)), qos: 1, messageId: i, dup: false, retain: false });
    }
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await c.next("puback")).messageId!);
    expect(ids).toEqual([...Array(40).keys()].map((i) => i + 1)); // in order [MQTT-4.6.0-2]
    c.end();
  });
});
