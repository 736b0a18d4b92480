// Three conformance gaps an interoperability suite found (issue #16): `$` topics are ordinary
// names to publish to, matched only by filters that name them [MQTT-4.7.2-1]; one copy of a
// message matching several subscriptions carries every Subscription Identifier [MQTT-3.3.4-3];
// QoS 2 PUBLISHes count against our Receive Maximum until PUBCOMP [MQTT-3.3.4-9].
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import { sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ mqtt: { allowAnonymous: true, limits: { inflightCountMax: 3 } } });
});
afterAll(async () => f?.close());

describe("MQTT conformance gaps", () => {
  it("a $ topic (not $SYS/ or $share/) is accepted and reaches filters naming it, never # or +/...", async () => {
    const named = await f.connectWithInbox({ protocolVersion: 5 });
    await named.client.subscribeAsync("$app/#", { qos: 1 });
    const wild = await f.connectWithInbox({ protocolVersion: 5 });
    await wild.client.subscribeAsync("#", { qos: 1 });
    await wild.client.subscribeAsync("+/status", { qos: 1 });
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("$app/status", "dollar", { qos: 1 });
    await pub.publishAsync("plain/status", "plain", { qos: 1 });
    const [m] = await named.inbox.next(1);
    expect([m.topic, m.payload.toString()]).toEqual(["$app/status", "dollar"]);
    await wild.inbox.next(1);
    await sleep(200);
    expect(wild.inbox.got.map((g) => g.topic)).toEqual(["plain/status"]);
    // $SYS/ stays the broker's: a client's PUBLISH there is refused (0x87 on MQTT 5).
    const reserved = await pub.publishAsync("$SYS/fake", "x", { qos: 1 }).then((p) => (p as { reasonCode?: number } | undefined)?.reasonCode, (e: { code?: number }) => e.code);
    expect(reserved).toBe(0x87);
    await Promise.all([named.client.endAsync(), wild.client.endAsync(), pub.endAsync()]);
  });

  it("a message matching two subscriptions with identifiers 2 and 3 arrives once, carrying both", async () => {
    const c = await rawConnected(f.port, 5, "sub-ids");
    c.send({ cmd: "subscribe", messageId: 1, properties: { subscriptionIdentifier: 2 }, subscriptions: [{ topic: "ids/+/t", qos: 1 }] });
    await c.next("suback");
    c.send({ cmd: "subscribe", messageId: 2, properties: { subscriptionIdentifier: 3 }, subscriptions: [{ topic: "ids/#", qos: 1 }] });
    await c.next("suback");
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("ids/a/t", "both", { qos: 1 });
    const m = (await c.next("publish")) as IPublishPacket;
    c.send({ cmd: "puback", messageId: m.messageId });
    const ids = m.properties?.subscriptionIdentifier;
    expect([...(Array.isArray(ids) ? ids : [ids])].sort()).toEqual([2, 3]);
    await sleep(200);
    expect(c.packets.filter((p) => p.cmd === "publish"), "a second copy").toHaveLength(0);
    await pub.endAsync();
    c.end();
  });

  it("QoS 2 PUBLISHes count until PUBCOMP: one past the Receive Maximum without PUBREL gets DISCONNECT 0x93", async () => {
    const c = await rawConnected(f.port, 5, "qos2-greedy");
    for (let i = 1; i <= 3; i++) c.send({ cmd: "publish", topic: "q2/x", payload: Buffer.from("x"), qos: 2, messageId: i, dup: false, retain: false });
    for (let i = 0; i < 3; i++) await c.next("pubrec");
    // Three flows await our PUBCOMP (no PUBREL yet): a fourth is one too many.
    c.send({ cmd: "publish", topic: "q2/x", payload: Buffer.from("x"), qos: 2, messageId: 4, dup: false, retain: false });
    expect(((await c.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x93);
    // Completing flows frees the window: a well-behaved client goes on.
    const ok = await rawConnected(f.port, 5, "qos2-polite");
    for (let i = 1; i <= 6; i++) {
      ok.send({ cmd: "publish", topic: "q2/y", payload: Buffer.from("y"), qos: 2, messageId: i, dup: false, retain: false });
      await ok.next("pubrec");
      ok.send({ cmd: "pubrel", messageId: i });
      await ok.next("pubcomp");
    }
    ok.end();
  });
});
