// mqtt.limits breaches: the offending client gets the MQTT 5 reason code (3.1.1: a close or
// CONNACK code), an operator log line and a metric; other clients never notice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IConnackPacket, IDisconnectPacket, IPubackPacket, IPublishPacket, ISubackPacket, Packet } from "mqtt-packet";
import type { MqttLimits } from "../../gateways/mqtt/config.ts";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawClient, rawConnected, type RawClient } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({
    mqtt: { allowAnonymous: true, limits: { connectionCountMax: 4, publishCountPerSecondMax: 20, subscriptionCountPerClientMax: 2, topicLevelCountMax: 4, connectTimeoutMs: 1000 } },
  });
});
afterAll(async () => f?.close());

const breaches = () => f.metrics.counter("ledge_mqtt_limit_breaches_total", "").value;

describe("limits", () => {
  it("connectionCountMax: the connection over the limit gets CONNACK 0x97 (5) / 3 (3.1.1)", async () => {
    const held: RawClient[] = [];
    for (let i = 0; i < 4; i++) held.push(await rawConnected(f.port, 4));
    const before = breaches();
    const v5 = await rawClient(f.port, 5);
    v5.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "over5", clean: true, keepalive: 30 });
    expect(((await v5.next("connack")) as IConnackPacket).reasonCode).toBe(0x97);
    const v4 = await rawClient(f.port, 4);
    v4.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "over4", clean: true, keepalive: 30 });
    expect(((await v4.next("connack")) as IConnackPacket).returnCode).toBe(3);
    expect(breaches() - before).toBe(2);
    for (const c of held) c.end();
    await sleep(100);
    const ok = await rawConnected(f.port, 4);
    ok.end();
  });

  it("sessionCountMax: a new session past the bound is refused with 0x97; an existing one may resume", async () => {
    const g = await startGateway({ mqtt: { allowAnonymous: true, limits: { sessionCountMax: 2 } } });
    try {
      const a = await rawConnected(g.port, 5, "s-a", { clean: false, properties: { sessionExpiryInterval: 60 } });
      a.end();
      const b = await rawConnected(g.port, 5, "s-b");
      const c = await rawClient(g.port, 5);
      c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "s-c", clean: true, keepalive: 30 });
      expect(((await c.next("connack")) as IConnackPacket).reasonCode).toBe(0x97);
      const again = await rawConnected(g.port, 5, "s-a", { clean: false, properties: { sessionExpiryInterval: 60 } });
      again.end();
      b.end();
    } finally {
      await g.close();
    }
  });

  it("publishCountPerSecondMax: 0x96 Message rate too high for the flooder only", async () => {
    const calm = await f.connect({ protocolVersion: 5 });
    const flood = await rawConnected(f.port, 5, "flooder");
    for (let i = 0; i < 60; i++) flood.send({ cmd: "publish", topic: "rate/x", payload: Buffer.from("x"), qos: 0, dup: false, retain: false });
    expect(((await flood.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x96);
    expect(f.logLines.some((l) => l.includes("publishCountPerSecondMax"))).toBe(true);
    await calm.publishAsync("rate/calm", "ok", { qos: 1 });
    expect(calm.connected).toBe(true);
    await calm.endAsync();
  });

  it("subscriptionCountPerClientMax: SUBACK 0x97 for the filter past the bound", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a", qos: 0 }, { topic: "b", qos: 0 }, { topic: "c", qos: 0 }] });
    expect(((await c.next("suback")) as ISubackPacket).granted).toEqual([0, 0, 0x97]);
    c.end();
  });

  it("topicLevelCountMax: a deeper topic is refused with 0x90", async () => {
    const c = await rawConnected(f.port, 5);
    c.send({ cmd: "publish", topic: "a/b/c/d/e", payload: Buffer.from("x"), qos: 0, dup: false, retain: false });
    expect(((await c.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x90);
  });

  it("connectTimeoutMs: a socket that never sends CONNECT is closed", async () => {
    const c = await rawClient(f.port);
    expect(await c.closed(4000)).toBe(true);
  });

  it("keep alive: no packet for 1.5 x keepalive closes with 0x8D [MQTT-3.1.2-24]", async () => {
    const c = await rawConnected(f.port, 5, "sleepy", { keepalive: 1 });
    expect(((await c.next("disconnect", 3000)) as IDisconnectPacket).reasonCode).toBe(0x8d);
  });
});

// The bounds below are written as `Partial<MqttLimits>`: renaming a limit makes these tests a
// compile error rather than a silent test of the default.
const counter = (g: GatewayFixture, name: string) => g.metrics.counter(name, "").value;

async function until(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

describe("topicBytesMax: counted in UTF-8 bytes, not characters", () => {
  const limits = { topicBytesMax: 16 } satisfies Partial<MqttLimits>;
  const atMax = `t/${"x".repeat(limits.topicBytesMax - 2)}`;
  const overAscii = `${atMax}y`;
  const overMultiByte = `t/${"é".repeat(limits.topicBytesMax / 2)}`; // fewer characters than the bound, more bytes
  let g: GatewayFixture;
  beforeAll(async () => {
    g = await startGateway({ mqtt: { allowAnonymous: true, limits } });
  });
  afterAll(async () => g?.close());

  it("PUBLISH: a topic at the bound is stored; one over is DISCONNECT 0x90, a log line, a protocol error, nothing stored", async () => {
    expect(overMultiByte.length).toBeLessThan(limits.topicBytesMax);
    for (const over of [overAscii, overMultiByte]) {
      const c = await rawConnected(g.port, 5);
      c.send({ cmd: "publish", topic: atMax, payload: Buffer.from("ok"), qos: 1, messageId: 1, dup: false, retain: false });
      expect(((await c.next("puback")) as IPubackPacket).messageId).toBe(1);
      const [errors, stored] = [counter(g, "ledge_mqtt_protocol_errors_total"), counter(g, "ledge_mqtt_messages_in_total")];
      c.send({ cmd: "publish", topic: over, payload: Buffer.from("no"), qos: 1, messageId: 2, dup: false, retain: false });
      expect(((await c.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x90);
      expect(c.packets.filter((p) => p.cmd === "puback")).toEqual([]);
      expect(counter(g, "ledge_mqtt_protocol_errors_total") - errors).toBe(1);
      expect(counter(g, "ledge_mqtt_messages_in_total")).toBe(stored);
      expect(g.logLines.some((l) => l.includes(`longer than ${limits.topicBytesMax} bytes`))).toBe(true);
    }
  });

  it("PUBLISH on 3.1.1: one byte over closes the connection without a PUBACK", async () => {
    const c = await rawConnected(g.port, 4);
    c.send({ cmd: "publish", topic: overAscii, payload: Buffer.from("no"), qos: 1, messageId: 1, dup: false, retain: false });
    expect(await c.closed()).toBe(true);
    expect(c.packets.filter((p) => p.cmd === "puback")).toEqual([]);
  });

  it("SUBSCRIBE: a filter one byte over gets SUBACK 0x8F (3.1.1: 0x80); one at the bound is granted", async () => {
    for (const [version, refused] of [[5, 0x8f], [4, 0x80]] as const) {
      const c = await rawConnected(g.port, version);
      c.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: atMax, qos: 1 }, { topic: overAscii, qos: 1 }, { topic: overMultiByte, qos: 0 }] });
      expect(((await c.next("suback")) as ISubackPacket).granted).toEqual([1, refused, refused]);
      c.end();
    }
  });

  it("CONNECT: a will topic one byte over gets CONNACK 0x90 (3.1.1: return code 3)", async () => {
    for (const version of [5, 4] as const) {
      const c = await rawClient(g.port, version);
      c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: version, clientId: `will-${version}`, clean: true, keepalive: 30, will: { topic: overAscii, payload: Buffer.from("w"), qos: 0, retain: false } });
      const ack = (await c.next("connack")) as IConnackPacket;
      expect(version === 5 ? ack.reasonCode : ack.returnCode).toBe(version === 5 ? 0x90 : 3);
      expect(await c.closed()).toBe(true);
    }
  });
});

describe("retainedCountMax", () => {
  const limits = { retainedCountMax: 2 } satisfies Partial<MqttLimits>;
  let g: GatewayFixture;
  beforeAll(async () => {
    g = await startGateway({ mqtt: { allowAnonymous: true, limits } });
  });
  afterAll(async () => g?.close());

  /** What a new subscriber to rc/# gets as retained: everything before the live marker that follows. */
  async function retainedNow(marker: string): Promise<string[]> {
    const sub = await g.connect();
    const inbox = collect(sub);
    await sub.subscribeAsync("rc/#", { qos: 1 });
    const pub = await g.connect();
    await pub.publishAsync(`rc/marker/${marker}`, "m", { qos: 1 });
    await until("the marker", () => inbox.got.some((m) => m.topic === `rc/marker/${marker}`));
    await Promise.all([sub.endAsync(), pub.endAsync()]);
    return inbox.got.filter((m) => m.packet.retain).map((m) => `${m.topic}=${m.payload.toString()}`).sort();
  }

  it("past the bound a retained PUBLISH is acknowledged and delivered, not retained; a log line and a breach; replacing or clearing a topic still works", async () => {
    const live = await g.connect();
    const liveInbox = collect(live);
    await live.subscribeAsync("rc/+", { qos: 1 });
    const pub = await g.connect();
    await pub.publishAsync("rc/1", "a", { qos: 1, retain: true });
    await pub.publishAsync("rc/2", "b", { qos: 1, retain: true });
    const breaches = counter(g, "ledge_mqtt_limit_breaches_total");
    await pub.publishAsync("rc/3", "c", { qos: 1, retain: true });
    expect(counter(g, "ledge_mqtt_limit_breaches_total") - breaches).toBe(1);
    expect(g.logLines.some((l) => l.includes("'rc/3' not kept") && l.includes("retainedCountMax"))).toBe(true);
    expect(g.metrics.gauge("ledge_mqtt_retained_messages", "").value).toBe(limits.retainedCountMax);
    expect((await liveInbox.next(3)).map((m) => m.topic)).toEqual(["rc/1", "rc/2", "rc/3"]);
    expect(await retainedNow("1")).toEqual(["rc/1=a", "rc/2=b"]);

    await pub.publishAsync("rc/1", "a2", { qos: 1, retain: true }); // a topic already held: no new entry
    await pub.publishAsync("rc/2", "", { qos: 1, retain: true }); // cleared [MQTT-3.3.1-6]: room for one more
    await pub.publishAsync("rc/3", "c2", { qos: 1, retain: true });
    expect(counter(g, "ledge_mqtt_limit_breaches_total") - breaches).toBe(1);
    expect(await retainedNow("2")).toEqual(["rc/1=a2", "rc/3=c2"]);
    await Promise.all([live.endAsync(), pub.endAsync()]);
  });
});

describe("writeBufferBytesMax: a subscriber that does not read", () => {
  const limits = { writeBufferBytesMax: 16 * 1024 } satisfies Partial<MqttLimits>;
  // Far more than the loopback socket buffers take in while the subscriber does not read.
  const messageCount = 400;
  const payload = Buffer.alloc(32 * 1024, 0x61);
  let g: GatewayFixture;
  beforeAll(async () => {
    g = await startGateway({ mqtt: { allowAnonymous: true, limits } });
  });
  afterAll(async () => g?.close());

  async function publishAll(topic: string): Promise<void> {
    const pub = await g.connect();
    await Promise.all(Array.from({ length: messageCount }, (_, i) => pub.publishAsync(topic, Buffer.concat([Buffer.from(`${i}:`), payload]), { qos: 1 })));
    await pub.endAsync();
  }

  const indexOf = (p: Packet) => Number((p as IPublishPacket).payload.toString("latin1", 0, 12).split(":")[0]);

  // Nothing is dropped or queued per session: past the backlog the session falls behind the log
  // tail and reads on from its cursor once the socket drains.
  async function waitsInTheLog(qos: 0 | 1): Promise<void> {
    const sub = await rawConnected(g.port, 4, `slow-qos${qos}`);
    sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: `wb/${qos}`, qos }] });
    await sub.next("suback");
    sub.socket.pause();
    const dropped = counter(g, "ledge_mqtt_dropped_total");
    await publishAll(`wb/${qos}`);
    const session = g.gateway.broker.sessions.get(`slow-qos${qos}`)!;
    await until("the session to fall behind the tail", () => !session.live);
    expect(session.queue.length).toBe(0);
    sub.socket.resume();
    await until("every delivery", () => sub.packets.filter((p) => p.cmd === "publish").length === messageCount);
    expect(sub.packets.filter((p) => p.cmd === "publish").map(indexOf)).toEqual(Array.from({ length: messageCount }, (_, i) => i));
    expect(counter(g, "ledge_mqtt_dropped_total")).toBe(dropped);
    await until("the session to catch up and join the tail", () => session.live);
    sub.end();
  }

  it("QoS 0: deliveries past the socket backlog wait in the log (none dropped, none queued) and all arrive in order once it reads", () => waitsInTheLog(0));
  it("QoS 1: deliveries past the socket backlog wait in the log (none dropped, none queued) and all arrive in order once it reads", () => waitsInTheLog(1));
});

describe("sessionExpirySecondsMax", () => {
  const limits = { sessionExpirySecondsMax: 1 } satisfies Partial<MqttLimits>;
  let g: GatewayFixture;
  beforeAll(async () => {
    g = await startGateway({ mqtt: { allowAnonymous: true, limits } });
  });
  afterAll(async () => g?.close());

  const sessions = () => g.gateway.broker.sessions;

  it("MQTT 5: a longer Session Expiry Interval is capped, the client is told in CONNACK, and the session ends then", async () => {
    const c = await rawClient(g.port, 5);
    c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "exp-5", clean: false, keepalive: 30, properties: { sessionExpiryInterval: 3600 } });
    const ack = (await c.next("connack")) as IConnackPacket;
    expect(ack.properties?.sessionExpiryInterval).toBe(limits.sessionExpirySecondsMax);
    expect(sessions().get("exp-5")!.expiryS).toBe(limits.sessionExpirySecondsMax);
    c.end();
    await until("the session to expire", () => !sessions().has("exp-5"));
    const again = await rawClient(g.port, 5);
    again.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "exp-5", clean: false, keepalive: 30, properties: { sessionExpiryInterval: 3600 } });
    expect(((await again.next("connack")) as IConnackPacket).sessionPresent).toBe(false);
    again.end();
  });

  it("MQTT 5: a DISCONNECT asking for longer is capped too", async () => {
    const c = await rawConnected(g.port, 5, "exp-d", { clean: false, properties: { sessionExpiryInterval: 1 } });
    c.send({ cmd: "disconnect", reasonCode: 0, properties: { sessionExpiryInterval: 3600 } });
    await until("the session to expire", () => !sessions().has("exp-d"));
  });

  it("3.1.1: a clean-session=false session lives sessionExpirySecondsMax", async () => {
    const c = await rawConnected(g.port, 4, "exp-4", { clean: false });
    expect(sessions().get("exp-4")!.expiryS).toBe(limits.sessionExpirySecondsMax);
    c.end();
    await until("the session to expire", () => !sessions().has("exp-4"));
  });
});
