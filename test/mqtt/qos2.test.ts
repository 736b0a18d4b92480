// QoS 2 exactly once: a client that loses its connection mid-flow (before PUBREC, or after
// PUBREC before PUBCOMP) and resends on a resumed session stores the message once
// (§4.3.3), and a subscriber's QoS 2 flow resumes with PUBREL after reconnect.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IPublishPacket, IPubrecPacket } from "mqtt-packet";
import { decodeBatch } from "../../runtime/core/index.ts";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawClient, rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway();
});
afterAll(async () => f?.close());

function storedPayloads(key: string): string[] {
  const out: string[] = [];
  for (const b of f.log.read("mqtt-messages", 0, 0, 1 << 26).batches) {
    for (const r of decodeBatch(b).records) if (Buffer.from(r.key!).toString() === key) out.push(Buffer.from(r.value!).toString());
  }
  return out;
}

const session = { clean: false, properties: { sessionExpiryInterval: 300 } };

describe("QoS 2", () => {
  it("stores a PUBLISH resent after a reconnect (PUBREC received, PUBCOMP not) exactly once", async () => {
    const a = await rawConnected(f.port, 5, "q2-sender", session);
    const publish: IPublishPacket = { cmd: "publish", topic: "q2/once", payload: Buffer.from("exactly"), qos: 2, messageId: 77, dup: false, retain: false };
    a.send(publish);
    expect(((await a.next("pubrec")) as IPubrecPacket).messageId).toBe(77);
    a.socket.destroy(); // gone before PUBREL
    const b = await rawConnected(f.port, 5, "q2-sender", session);
    b.send({ ...publish, dup: true }); // a client may resend; the id is still unreleased
    expect(((await b.next("pubrec")) as IPubrecPacket).messageId).toBe(77);
    b.send({ cmd: "pubrel", messageId: 77 });
    await b.next("pubcomp");
    // After PUBCOMP the id is free: the same id now carries a new message.
    b.send({ ...publish, payload: Buffer.from("second") });
    await b.next("pubrec");
    b.send({ cmd: "pubrel", messageId: 77 });
    await b.next("pubcomp");
    expect(storedPayloads("q2/once")).toEqual(["exactly", "second"]);
    b.end();
  });

  it("stores a PUBLISH resent before any PUBREC once (connection lost right after sending)", async () => {
    const a = await rawConnected(f.port, 4, "q2-early", { clean: false });
    a.send({ cmd: "publish", topic: "q2/early", payload: Buffer.from("e"), qos: 2, messageId: 5, dup: false, retain: false });
    a.socket.destroy();
    await sleep(50);
    const b = await rawConnected(f.port, 4, "q2-early", { clean: false });
    b.send({ cmd: "publish", topic: "q2/early", payload: Buffer.from("e"), qos: 2, messageId: 5, dup: true, retain: false });
    await b.next("pubrec");
    b.send({ cmd: "pubrel", messageId: 5 });
    await b.next("pubcomp");
    expect(storedPayloads("q2/early")).toEqual(["e"]);
    b.end();
  });

  it("resumes an outgoing QoS 2 flow: PUBLISH dup before PUBREC, PUBREL after [MQTT-4.4.0-1]", async () => {
    const sub = await rawConnected(f.port, 5, "q2-receiver", { ...session });
    sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "q2/out", qos: 2 }] });
    await sub.next("suback");
    const pub = await f.connect();
    await pub.publishAsync("q2/out", "out", { qos: 2 });
    const first = (await sub.next("publish")) as IPublishPacket;
    sub.socket.destroy(); // no PUBREC sent
    const again = await rawClient(f.port, 5);
    again.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "q2-receiver", clean: false, keepalive: 30, properties: { sessionExpiryInterval: 300 } });
    const resent = (await again.next("publish")) as IPublishPacket;
    expect([resent.messageId, resent.dup, resent.payload.toString()]).toEqual([first.messageId, true, "out"]);
    again.send({ cmd: "pubrec", messageId: resent.messageId });
    await again.next("pubrel");
    again.socket.destroy(); // lost between PUBREC and PUBCOMP
    const third = await rawClient(f.port, 5);
    third.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "q2-receiver", clean: false, keepalive: 30, properties: { sessionExpiryInterval: 300 } });
    expect((await third.next("pubrel")).messageId).toBe(first.messageId);
    third.send({ cmd: "pubcomp", messageId: first.messageId });
    await sleep(100);
    expect(third.packets.filter((p) => p.cmd === "publish")).toHaveLength(0);
    expect(f.gateway.broker.sessions.get("q2-receiver")!.inflight.size).toBe(0);
    third.end();
    await pub.endAsync();
  });

  it("MQTT.js QoS 2 publisher and subscriber see each message once", async () => {
    const { client: sub, inbox } = await f.connectWithInbox({ protocolVersion: 5 });
    await sub.subscribeAsync("q2/js/#", { qos: 2 });
    const pub = await f.connect({ protocolVersion: 5 });
    for (let i = 0; i < 20; i++) await pub.publishAsync(`q2/js/${i}`, String(i), { qos: 2 });
    await inbox.next(20);
    await sleep(100);
    expect(inbox.got.map((g) => Number(g.payload.toString()))).toEqual([...Array(20).keys()]);
    void collect;
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });
});
