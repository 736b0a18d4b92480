// Sessions: persistent sessions keep subscriptions and their place in the log while the client
// is offline, across a ledge restart, and get every message published meanwhile (from the log:
// nothing is queued per session, so mqtt.limits.queuedCountMax drops none of them); clean start
// discards them [MQTT-3.1.2-4]; session expiry ends them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { rawClient } from "./helpers/raw-client.ts";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ mqtt: { allowAnonymous: true, limits: { queuedCountMax: 5 } } });
});
afterAll(async () => f?.close());

const counter = (name: string) => f.metrics.counter(name, "").value;

describe("sessions", () => {
  it("resume across a ledge restart with subscriptions and the messages published meanwhile (3.1.1 clean=false)", async () => {
    const sub = await f.connect({ clientId: "persist-1", clean: false });
    await sub.subscribeAsync("ps/#", { qos: 1 });
    await sub.endAsync();
    const pub = await f.connect();
    await pub.publishAsync("ps/1", "one", { qos: 1 });
    await pub.publishAsync("ps/2", "two", { qos: 2 });
    await pub.publishAsync("ps/0", "zero", { qos: 0 });
    await pub.endAsync();
    // Acknowledged means in the log: the offline session's cursor reaches them after a restart,
    // QoS 0 included (MQTT 5 §4.1 allows a session to hold those).
    f = await f.restart();
    const { client: back, inbox } = await f.connectWithInbox({ clientId: "persist-1", clean: false });
    const got = await inbox.next(3);
    expect(got.map((g) => g.payload.toString()).sort()).toEqual(["one", "two", "zero"]);
    expect(got.every((g) => !g.packet.dup)).toBe(true); // a clean shutdown stored the exact place: nothing was sent before
    const pub2 = await f.connect();
    await pub2.publishAsync("ps/3", "three", { qos: 1 });
    expect((await inbox.next(4))[3].payload.toString()).toBe("three");
    await Promise.all([back.endAsync(), pub2.endAsync()]);
  });

  it("report session present, and clean start discards the session [MQTT-3.2.2-2]", async () => {
    const first = await f.connect({ protocolVersion: 5, clientId: "present-1", clean: false, properties: { sessionExpiryInterval: 60 } });
    await first.subscribeAsync("sp/#", { qos: 1 });
    await first.endAsync();
    const resumed = await rawClient(f.port, 5);
    resumed.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "present-1", clean: false, keepalive: 30, properties: { sessionExpiryInterval: 60 } });
    expect(((await resumed.next("connack")) as IConnackPacket).sessionPresent).toBe(true);
    resumed.send({ cmd: "disconnect" });
    await resumed.closed();
    const cleaned = await f.connect({ protocolVersion: 5, clientId: "present-1", clean: true });
    const inbox = collect(cleaned);
    const pub = await f.connect();
    await pub.publishAsync("sp/x", "x", { qos: 1 });
    await sleep(150);
    expect(inbox.got).toHaveLength(0);
    await Promise.all([cleaned.endAsync(), pub.endAsync()]);
  });

  it("drop nothing for an offline session past mqtt.limits.queuedCountMax: it reads the log", async () => {
    const sub = await f.connect({ clientId: "bounded-1", clean: false });
    await sub.subscribeAsync("bq/#", { qos: 1 });
    await sub.endAsync();
    const dropped = counter("ledge_mqtt_dropped_total");
    const lost = counter("ledge_mqtt_session_messages_lost_total");
    const pub = await f.connect();
    for (let i = 0; i < 8; i++) await pub.publishAsync("bq/x", String(i), { qos: 1 });
    await pub.endAsync();
    const { client: back, inbox } = await f.connectWithInbox({ clientId: "bounded-1", clean: false });
    await inbox.next(8);
    const pub2 = await f.connect();
    await pub2.publishAsync("bq/x", "end", { qos: 1 });
    const got = await inbox.next(9);
    // One topic: in order, each once.
    expect(got.map((g) => g.payload.toString())).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "end"]);
    expect(counter("ledge_mqtt_dropped_total") - dropped).toBe(0);
    expect(counter("ledge_mqtt_session_messages_lost_total") - lost).toBe(0);
    await Promise.all([back.endAsync(), pub2.endAsync()]);
  });

  it("bound the queue of retained messages sent on SUBSCRIBE by mqtt.limits.queuedCountMax, counting the drops", async () => {
    const pub = await f.connect();
    for (let i = 0; i < 8; i++) await pub.publishAsync(`rq/${i}`, String(i), { qos: 1, retain: true });
    await pub.endAsync();
    const dropped = counter("ledge_mqtt_dropped_total");
    // Receive Maximum 1: one in flight, the rest wait in the queue, which holds 5 with it.
    const sub = await rawClient(f.port, 5);
    sub.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "retained-q", clean: true, keepalive: 30, properties: { receiveMaximum: 1 } });
    await sub.next("connack");
    sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "rq/#", qos: 1 }] });
    await sub.next("suback");
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const p = (await sub.next("publish")) as IPublishPacket;
      got.push(p.payload.toString());
      sub.send({ cmd: "puback", messageId: p.messageId });
    }
    expect(got).toHaveLength(5);
    expect(counter("ledge_mqtt_dropped_total") - dropped).toBe(3);
    sub.end();
  });

  it("expire after the Session Expiry Interval", async () => {
    const sub = await f.connect({ protocolVersion: 5, clientId: "expiring-1", clean: true, properties: { sessionExpiryInterval: 1 } });
    await sub.subscribeAsync("se/#", { qos: 1 });
    await sub.endAsync();
    expect(f.gateway.broker.sessions.has("expiring-1")).toBe(true);
    await sleep(1300);
    expect(f.gateway.broker.sessions.has("expiring-1")).toBe(false);
  });
});
