// Shared subscriptions ($share/{group}/{filter}) over one cursor per share group, with real
// clients: MQTT.js (5 and 3.1.1), mosquitto_sub (3.1.1 and 5) and raw 3.1.1 sockets. Each
// message goes to one member; QoS 1 messages in flight to a member that leaves go to another
// with DUP, QoS 2 ones stay with it; a group whose members are all offline keeps its place in
// the log (across a restart, and retention keeps the data) and the first member back gets the
// backlog; what the storage cap takes from it is counted and logged; malformed share filters.
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type { IDisconnectPacket, IPublishPacket, ISubackPacket } from "mqtt-packet";
import { rawConnected } from "./helpers/raw-client.ts";
import { collect, sleep, startGateway, until, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { byTopic, publishSequences, seqSubscriber } from "./helpers/seq-clients.ts";

let f: GatewayFixture | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) c.kill();
  await f?.close();
  f = undefined;
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** mosquitto_sub as a member: its lines ("topic payload") as they arrive. */
function mosquittoMember(g: GatewayFixture, filter: string, args: string[]): { lines: string[] } {
  const child = spawn("mosquitto_sub", ["-h", "127.0.0.1", "-p", String(g.port), "-W", "60", "-q", "1", "-v", "-t", filter, ...args]);
  children.push(child);
  const out = { lines: [] as string[] };
  let rest = "";
  child.stdout.on("data", (d) => {
    const parts = (rest + d).split("\n");
    rest = parts.pop()!;
    out.lines.push(...parts.filter(Boolean));
  });
  return out;
}

/** Waits (bounded) until `n` sessions hold `filter`. */
async function members(g: GatewayFixture, filter: string, n: number): Promise<void> {
  const count = () => [...g.gateway.broker.sessions.values()].filter((s) => s.subscriptions.has(filter)).length;
  await until(() => count() >= n, `${n} sessions subscribed to ${filter}`);
}

describe("$share/{group}/{filter}: one cursor per share group", () => {
  it("3 members (MQTT.js 5, MQTT.js 3.1.1, mosquitto_sub 3.1.1) get disjoint sets whose union is every message", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 2 }] }));
    const filter = "$share/g/sg/#";
    const v5 = await g.connect({ protocolVersion: 5 });
    const v4 = await g.connect({ protocolVersion: 4 });
    const [i5, i4] = [collect(v5), collect(v4)];
    await v5.subscribeAsync(filter, { qos: 1 });
    await v4.subscribeAsync(filter, { qos: 1 });
    const mosq = mosquittoMember(g, filter, ["-V", "mqttv311"]);
    await members(g, filter, 3);
    const perTopic = 150;
    await publishSequences(g.port, ["sg/a", "sg/b"], perTopic, 20);
    const all = () => [...i5.got.map((m) => `${m.topic} ${m.payload}`), ...i4.got.map((m) => `${m.topic} ${m.payload}`), ...mosq.lines];
    await until(() => all().length >= 2 * perTopic, "every message at some member", 20_000);
    await sleep(300); // a duplicate would arrive meanwhile
    const got = all();
    expect(got).toHaveLength(2 * perTopic);
    expect(new Set(got).size).toBe(2 * perTopic); // disjoint
    expect(new Set(got)).toEqual(new Set(["sg/a", "sg/b"].flatMap((t) => range(perTopic).map((i) => `${t} ${i}`)))); // the union is everything
    for (const share of [i5.got.length, i4.got.length, mosq.lines.length]) expect(share).toBeGreaterThan(0);
    console.log(`share split: MQTT.js 5 ${i5.got.length}, MQTT.js 3.1.1 ${i4.got.length}, mosquitto_sub ${mosq.lines.length}`);
    await Promise.all([v5.endAsync(), v4.endAsync()]);
  }, 60_000);

  it("QoS 1 messages in flight to a member that leaves unacknowledged go to another member, with DUP", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const filter = "$share/r/rd/#";
    // An MQTT.js 5 member that never sends PUBACK (and takes at most 5 in flight).
    const seenByQuiet: string[] = [];
    const quiet = await g.connect({
      protocolVersion: 5, clientId: "quiet", properties: { receiveMaximum: 5 },
      customHandleAcks: (_topic, payload) => void seenByQuiet.push(payload.toString()),
    });
    await quiet.subscribeAsync(filter, { qos: 1 });
    const acker = await seqSubscriber(g.port, { clientId: "acker", clean: true, subscriptions: [{ topic: filter, qos: 1 }] });
    await members(g, filter, 2);
    await publishSequences(g.port, ["rd/x"], 20, 20);
    const quietSession = g.gateway.broker.sessions.get("quiet")!;
    await until(() => quietSession.inflightCount + acker.deliveries.length >= 20, "every message sent to one member");
    expect(quietSession.inflightCount).toBe(5); // its Receive Maximum: the rest went to the other member
    expect(acker.deliveries.every((d) => !d.dup)).toBe(true);
    await until(() => seenByQuiet.length > 0, "the quiet member to read a message");
    quiet.end(true); // the socket closes with 5 unacknowledged
    await acker.waitFor(20, 10_000);
    await sleep(200);
    const seqs = acker.deliveries.map((d) => d.seq);
    expect(new Set(seqs)).toEqual(new Set(range(20))); // nothing lost
    expect(seqs).toHaveLength(20); // and nothing twice
    const redelivered = acker.deliveries.filter((d) => d.dup);
    expect(redelivered).toHaveLength(5);
    expect(redelivered.map((d) => String(d.seq))).toEqual(expect.arrayContaining(seenByQuiet));
    acker.end();
  }, 30_000);

  it("QoS 2 in flight stays with its member: resent to it when it returns [MQTT-4.8.2-4], never to another; dropped if its session ends [MQTT-4.8.2-5]", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const filter = "$share/q2/qq/#";
    const dropped = () => g.metrics.counter("ledge_mqtt_dropped_total", "").value;
    const keeper = await seqSubscriber(g.port, { clientId: "q2-keeper", clean: false, ack: false, subscriptions: [{ topic: filter, qos: 2 }] });
    const other = await seqSubscriber(g.port, { clientId: "q2-other", clean: true, subscriptions: [{ topic: filter, qos: 2 }] });
    await members(g, filter, 2);
    const pub = await g.connect();
    for (let i = 0; i < 10; i++) await pub.publishAsync("qq/x", String(i), { qos: 2 });
    await until(() => keeper.deliveries.length + other.deliveries.length >= 10, "every message at a member");
    const kept = keeper.deliveries.map((d) => d.seq);
    expect(kept.length).toBeGreaterThan(0);
    keeper.socket.destroy(); // no PUBREC sent: a persistent session, so they wait for it
    await until(() => !g.gateway.broker.sessions.get("q2-keeper")!.connection, "the keeper to go");
    await pub.publishAsync("qq/x", "10", { qos: 2 });
    await other.waitFor(10 - kept.length + 1);
    await sleep(200);
    expect(other.deliveries.map((d) => d.seq).filter((n) => kept.includes(n))).toEqual([]);
    const back = await seqSubscriber(g.port, { clientId: "q2-keeper", clean: false });
    await back.waitFor(kept.length);
    expect(back.deliveries.map((d) => d.seq)).toEqual(kept);
    expect(back.deliveries.every((d) => d.dup)).toBe(true);
    back.end();
    // A clean member's session ends with its connection: its QoS 2 in flight goes to no one else.
    const gone = await seqSubscriber(g.port, { clientId: "q2-gone", clean: true, ack: false, subscriptions: [{ topic: filter, qos: 2 }] });
    await members(g, filter, 2);
    const droppedBefore = dropped();
    const otherBefore = other.deliveries.length;
    for (let i = 20; i < 30; i++) await pub.publishAsync("qq/y", String(i), { qos: 2 });
    await until(() => gone.deliveries.length + other.deliveries.length - otherBefore >= 10, "every message at a member");
    const lost = gone.deliveries.length;
    expect(lost).toBeGreaterThan(0);
    gone.socket.destroy();
    await until(() => dropped() - droppedBefore >= lost, "the ended member's QoS 2 messages to be dropped");
    await pub.publishAsync("qq/y", "30", { qos: 2 });
    await other.waitFor(otherBefore + 10 - lost + 1);
    await sleep(200);
    expect(other.deliveries.length).toBe(otherBefore + 10 - lost + 1);
    other.end();
    await pub.endAsync();
  }, 30_000);

  it("a group of clean-start members ends with its last member; a new one starts at the log's end", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const filter = "$share/c/cl/#";
    const a = await g.connect({ protocolVersion: 5 });
    const b = await g.connect({ protocolVersion: 4 });
    await a.subscribeAsync(filter, { qos: 1 });
    await b.subscribeAsync(filter, { qos: 1 });
    expect(g.gateway.broker.shares.size).toBe(1);
    await Promise.all([a.endAsync(), b.endAsync()]);
    await until(() => g.gateway.broker.shares.size === 0, "the group to end");
    await publishSequences(g.port, ["cl/old"], 10, 10);
    const { client: c, inbox } = await g.connectWithInbox({ protocolVersion: 5 });
    await c.subscribeAsync(filter, { qos: 1 });
    await publishSequences(g.port, ["cl/new"], 5, 5);
    await inbox.next(5);
    await sleep(200);
    expect(inbox.got.map((m) => `${m.topic} ${m.payload}`)).toEqual(range(5).map((i) => `cl/new ${i}`));
    await c.endAsync();
  }, 30_000);

  it("members all offline (and a restart): the first member back gets the backlog in order, kept by retention", async () => {
    const doc = { topics: [{ name: "mqtt-messages", partitions: 1, config: { "retention.ms": 1 } }] };
    let g = (f = await startGateway(doc));
    const filter = "$share/b/bk/#";
    const p4 = await seqSubscriber(g.port, { clientId: "bk-311", clean: false, subscriptions: [{ topic: filter, qos: 1 }] });
    const p5 = await g.connect({ protocolVersion: 5, clientId: "bk-5", clean: false, properties: { sessionExpiryInterval: 600 } });
    await p5.subscribeAsync(filter, { qos: 1 });
    p4.end();
    await p5.endAsync();
    await p4.closed;
    await until(() => [...g.gateway.broker.sessions.values()].every((s) => !s.connection), "every member offline");
    await publishSequences(g.port, ["bk/x"], 150, 20);
    g = f = await g.restart();
    await publishSequences(g.port, ["bk/y"], 150, 20);
    g.gateway.broker.delivery.protect(); // it runs each second; now, so the test does not wait on a timer
    await g.log.applyRetention();
    expect(g.log.partitionState("mqtt-messages", 0).logStartOffset).toBe(0); // the group's cursor holds it
    const back = await seqSubscriber(g.port, { clientId: "bk-311", clean: false });
    expect(back.sessionPresent).toBe(true);
    await back.waitFor(300);
    const byT = byTopic(back.deliveries);
    expect(byT.get("bk/x")).toEqual(range(150));
    expect(byT.get("bk/y")).toEqual(range(150));
    expect(back.deliveries.every((d) => !d.dup)).toBe(true); // nothing was sent before
    // The other member shares the same cursor: nothing old for it, new messages are split.
    const { client: p5back, inbox } = await g.connectWithInbox({ protocolVersion: 5, clientId: "bk-5", clean: false, properties: { sessionExpiryInterval: 600 } });
    await publishSequences(g.port, ["bk/z"], 20, 20);
    await until(() => inbox.got.length + back.deliveries.length >= 320, "the new messages");
    await sleep(200);
    expect(inbox.got.every((m) => m.topic === "bk/z")).toBe(true);
    expect(inbox.got.length).toBeGreaterThan(0);
    expect(inbox.got.length + back.deliveries.length).toBe(320);
    // Once acknowledged, retention may delete it.
    const deadline = Date.now() + 10_000;
    while (g.log.partitionState("mqtt-messages", 0).logStartOffset === 0 && Date.now() < deadline) {
      g.gateway.broker.delivery.protect();
      await g.log.applyRetention();
      await sleep(100);
    }
    expect(g.log.partitionState("mqtt-messages", 0).logStartOffset).toBeGreaterThan(0);
    back.end();
    await p5back.endAsync();
  }, 60_000);

  it("records the storage cap deletes before the group gave them out are counted and logged; the group goes on after them", async () => {
    const g = (f = await startGateway({ storage: { maxBytes: "1MiB", overflow: "drop-oldest", sync: "interval" }, topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const filter = "$share/cap/cap/#";
    const first = await seqSubscriber(g.port, { clientId: "cap-member", clean: false, subscriptions: [{ topic: filter, qos: 1 }] });
    first.end();
    await first.closed;
    // ~1.2 MiB into a 1 MiB cap, one at a time (each commit one append): drop-oldest deletes
    // what the group still needed.
    const pub = await g.connect();
    const payload = Buffer.alloc(1024, 0x61);
    for (let i = 0; i < 1200; i++) await pub.publishAsync("cap/x", payload, { qos: 1 });
    await pub.endAsync();
    const start = g.log.partitionState("mqtt-messages", 0).logStartOffset;
    expect(start).toBeGreaterThan(0);
    const back = await seqSubscriber(g.port, { clientId: "cap-member", clean: false });
    const end = g.log.partitionState("mqtt-messages", 0).highWatermark;
    await back.waitFor(end - start);
    await sleep(200);
    expect(back.deliveries.length).toBe(end - start);
    expect(g.metrics.counter("ledge_mqtt_session_messages_lost_total", "").value).toBe(start);
    expect(g.logLines.some((l) => l.includes("MQTT share group '$share/cap/cap/#' lost") && l.includes("storage.maxBytes"))).toBe(true);
    back.end();
  }, 60_000);

  it("mosquitto_sub 5 as a persistent member: reconnecting, it gets what was published while it was away", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const filter = "$share/m5/ms/#";
    const args = ["-V", "mqttv5", "-i", "ms-5", "-c", "-x", "600"];
    mosquittoMember(g, filter, args);
    await members(g, filter, 1);
    children.pop()!.kill("SIGKILL"); // the connection drops; its persistent session stays
    await until(() => !g.gateway.broker.sessions.get("ms-5")?.connection, "mosquitto_sub to go");
    await publishSequences(g.port, ["ms/x"], 30, 10);
    const again = mosquittoMember(g, filter, args);
    await until(() => again.lines.length >= 30, "the backlog at mosquitto_sub");
    expect(again.lines).toEqual(range(30).map((i) => `ms/x ${i}`));
  }, 60_000);

  it("answers malformed share filters with SUBACK 0x8F (MQTT 5) and 0x80 (3.1.1) [MQTT-4.8.2-1], [MQTT-4.8.2-2]", async () => {
    const g = (f = await startGateway());
    const bad = ["$share//x", "$share/g", "$share/g/", "$share/g+/x", "$share/g#/x"];
    const subscriptions = [...bad.map((topic) => ({ topic, qos: 1 as const })), { topic: "$share/ok/x", qos: 1 as const }];
    const v5 = await rawConnected(g.port, 5);
    v5.send({ cmd: "subscribe", messageId: 3, subscriptions });
    const ack5 = (await v5.next("suback")) as ISubackPacket;
    expect(ack5.granted).toEqual([0x8f, 0x8f, 0x8f, 0x8f, 0x8f, 1]);
    expect(ack5.properties?.reasonString).toMatch(/'\$share\/g\+\/x': a share name must not contain \+ or #/);
    const v4 = await rawConnected(g.port, 4);
    v4.send({ cmd: "subscribe", messageId: 4, subscriptions: [...subscriptions.slice(0, -1), { topic: "other/x", qos: 1 }] });
    const ack4 = (await v4.next("suback")) as ISubackPacket;
    expect(ack4.granted).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 1]);
    // The refused filters left no group behind; the accepted one works.
    expect(g.gateway.broker.shares.size).toBe(1);
    const pub = await g.connect();
    await pub.publishAsync("x", "hello", { qos: 1 });
    const p = (await v5.next("publish")) as IPublishPacket;
    expect(p.topic).toBe("x");
    // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4]: DISCONNECT 0x82
    // (0x82 is no SUBACK code).
    v5.send({ cmd: "subscribe", messageId: 5, subscriptions: [{ topic: "$share/ok/y", qos: 1, nl: true }] });
    expect(((await v5.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x82);
    expect(await v5.closed()).toBe(true);
    v4.end();
    await pub.endAsync();
  });
});
