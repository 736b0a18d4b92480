// SUBSCRIBE / UNSUBSCRIBE with MQTT.js: + and # wildcards, $-topics, shared subscriptions,
// SUBACK codes for bad filters, subscription identifiers, unsubscribe.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ISubackPacket, IUnsubackPacket } from "mqtt-packet";
import { rawConnected } from "./helpers/raw-client.ts";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway();
});
afterAll(async () => f?.close());

describe("SUBSCRIBE", () => {
  it("matches + and # as whole levels, # also the parent level [MQTT-4.7.1-2]", async () => {
    const sub = await f.connect();
    const inbox = collect(sub);
    await sub.subscribeAsync(["w/+/temp", "w/deep/#"], { qos: 1 });
    const pub = await f.connect();
    for (const t of ["w/a/temp", "w/a/b/temp", "w/deep", "w/deep/x/y", "w/other"]) await pub.publishAsync(t, t, { qos: 1 });
    await pub.publishAsync("w/end", "end", { qos: 1 });
    await sub.subscribeAsync("w/end", { qos: 1 });
    await pub.publishAsync("w/end", "end", { qos: 1 });
    const got = await inbox.next(4);
    expect(got.map((g) => g.topic)).toEqual(["w/a/temp", "w/deep", "w/deep/x/y", "w/end"]);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it("shares $share/group/filter messages among the group's members, each message once", async () => {
    const a = await f.connect({ protocolVersion: 5 });
    const b = await f.connect({ protocolVersion: 5, clientId: "share-b", clean: false, properties: { sessionExpiryInterval: 60 } });
    const solo = await f.connect({ protocolVersion: 5 });
    const [ia, ib, isolo] = [collect(a), collect(b), collect(solo)];
    await a.subscribeAsync("$share/g1/shared/+", { qos: 1 });
    await b.subscribeAsync("$share/g1/shared/+", { qos: 1 });
    await solo.subscribeAsync("shared/+", { qos: 1 });
    const pub = await f.connect();
    for (let i = 0; i < 10; i++) await pub.publishAsync(`shared/${i}`, String(i), { qos: 1 });
    await isolo.next(10);
    await sleep(100);
    expect(ia.got.length + ib.got.length).toBe(10);
    expect(ia.got.length).toBeGreaterThan(0);
    expect(ib.got.length).toBeGreaterThan(0);
    const seen = [...ia.got, ...ib.got].map((g) => g.topic).sort();
    expect(new Set(seen).size).toBe(10);
    // A member that went away (its session lives on): the group's messages go to the one still connected.
    await b.endAsync();
    const before = ia.got.length;
    for (let i = 0; i < 6; i++) await pub.publishAsync(`shared/later${i}`, "x", { qos: 1 });
    await isolo.next(16);
    await ia.next(before + 6);
    await Promise.all([a.endAsync(), solo.endAsync(), pub.endAsync()]);
  });

  it("answers bad filters with 0x8F on MQTT 5 and 0x80 on 3.1.1, per filter [MQTT-4.7.1-1]", async () => {
    const v5 = await rawConnected(f.port, 5);
    v5.send({ cmd: "subscribe", messageId: 7, subscriptions: [{ topic: "ok/+", qos: 1 }, { topic: "bad/#/x", qos: 1 }, { topic: "$share/g", qos: 0 }, { topic: "a+/b", qos: 0 }] });
    const ack5 = (await v5.next("suback")) as ISubackPacket;
    expect(ack5.granted).toEqual([1, 0x8f, 0x8f, 0x8f]);
    expect(ack5.properties?.reasonString).toMatch(/'bad\/#\/x': # must be a whole level/);
    const v4 = await rawConnected(f.port, 4);
    v4.send({ cmd: "subscribe", messageId: 8, subscriptions: [{ topic: "ok/#", qos: 2 }, { topic: "a+/b", qos: 1 }] });
    const ack4 = (await v4.next("suback")) as ISubackPacket;
    expect(ack4.granted).toEqual([2, 0x80]);
    v5.end();
    v4.end();
  });

  it("sends the subscription identifier with matching messages [MQTT-3.3.4-3]", async () => {
    const sub = await f.connect({ protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync("sid/+", { qos: 1, properties: { subscriptionIdentifier: 42 } });
    const pub = await f.connect();
    await pub.publishAsync("sid/a", "x", { qos: 1 });
    const [m] = await inbox.next(1);
    expect(m.packet.properties?.subscriptionIdentifier).toBe(42);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it("UNSUBSCRIBE stops delivery and answers 0x11 for an unknown filter on MQTT 5", async () => {
    const sub = await f.connect({ protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync("unsub/x", { qos: 1 });
    await sub.unsubscribeAsync("unsub/x");
    const raw = await rawConnected(f.port, 5);
    raw.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "u/1", qos: 0 }] });
    await raw.next("suback");
    raw.send({ cmd: "unsubscribe", messageId: 2, unsubscriptions: ["u/1", "never/subscribed"] });
    expect(((await raw.next("unsuback")) as IUnsubackPacket).granted).toEqual([0x00, 0x11]);
    raw.end();
    const pub = await f.connect();
    await pub.publishAsync("unsub/x", "x", { qos: 1 });
    await sleep(150);
    expect(inbox.got).toHaveLength(0);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
