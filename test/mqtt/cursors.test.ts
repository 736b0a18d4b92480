// Persistent sessions as cursors into the log: a subscriber that lags far behind, or is offline
// while tens of thousands of messages arrive, gets every one exactly once and in order per
// topic, nothing dropped; retention keeps what a session has not acknowledged; what the storage
// cap deletes anyway is counted, logged and told to the client.
import { afterEach, describe, expect, it } from "vitest";
import type { IDisconnectPacket, IPublishPacket } from "mqtt-packet";
import { encodeBatch } from "../../runtime/core/index.ts";
import { rawClient } from "./helpers/raw-client.ts";
import { startGateway, until, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { byTopic, publishSequences, seqSubscriber } from "./helpers/seq-clients.ts";

let f: GatewayFixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const counter = (g: GatewayFixture, name: string) => g.metrics.counter(name, "").value;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("persistent sessions read the log from their cursors", () => {
  it("a QoS 1 subscriber lagging by 100,000 messages gets every one exactly once, in order, then joins the tail", async () => {
    const g = (f = await startGateway());
    const count = 100_000;
    const sub = await seqSubscriber(g.port, { clientId: "lagger", clean: false, subscriptions: [{ topic: "lag/#", qos: 1 }] });
    sub.socket.pause(); // reads nothing: the socket backs up and the session falls behind
    await publishSequences(g.port, ["lag/a"], count, 100);
    const session = g.gateway.broker.sessions.get("lagger")!;
    expect(session.live).toBe(false);
    expect(session.queue.length).toBe(0); // nothing copied per session
    expect(sub.deliveries.length).toBeLessThan(count);
    sub.socket.resume();
    await sub.waitFor(count, 60_000);
    expect(byTopic(sub.deliveries).get("lag/a")).toEqual(range(count)); // each once, in order
    expect(sub.deliveries.some((d) => d.dup)).toBe(false);
    await until(() => session.live, "the session to catch up and join the tail");
    // Live again: the next message comes from the tail.
    await publishSequences(g.port, ["lag/b"], 10);
    await sub.waitFor(count + 10);
    expect(byTopic(sub.deliveries).get("lag/b")).toEqual(range(10));
    expect(counter(g, "ledge_mqtt_dropped_total")).toBe(0);
    expect(counter(g, "ledge_mqtt_session_messages_lost_total")).toBe(0);
    sub.end();
  }, 90_000);

  it("an offline session gets the 50,000 messages published meanwhile, in order per topic, and costs nothing while offline", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 4 }] }));
    const topics = ["off/a", "off/b", "off/c", "off/d"];
    const first = await seqSubscriber(g.port, { clientId: "away", clean: false, subscriptions: [{ topic: "off/+", qos: 1 }] });
    first.end();
    await first.closed;
    await until(() => !g.gateway.broker.sessions.get("away")!.connection, "the session to go offline");
    expect(g.gateway.broker.trie.size).toBe(0); // offline: out of the fan-out entirely
    await g.gateway.broker.storeCursors(g.gateway.broker.sessions.get("away")!); // its last cursor write (going offline) is done
    const writes = counter(g, "ledge_mqtt_session_cursor_writes_total");
    await publishSequences(g.port, topics, 12_500, 100);
    // Offline sessions are not touched per message: no cursor writes while it was away.
    expect(counter(g, "ledge_mqtt_session_cursor_writes_total")).toBe(writes);
    const back = await seqSubscriber(g.port, { clientId: "away", clean: false });
    expect(back.sessionPresent).toBe(true);
    await back.waitFor(50_000, 60_000);
    const got = byTopic(back.deliveries);
    for (const t of topics) expect(got.get(t)).toEqual(range(12_500));
    expect(back.deliveries.length).toBe(50_000);
    back.end();
  }, 90_000);

  it("catching up respects the client's Receive Maximum (MQTT 5): never more in flight, every message once", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 2 }] }));
    const connect = { cmd: "connect" as const, protocolId: "MQTT" as const, protocolVersion: 5 as const, clientId: "small-window", clean: false, keepalive: 60, properties: { sessionExpiryInterval: 600, receiveMaximum: 10 } };
    const first = await rawClient(g.port, 5);
    first.send(connect);
    await first.next("connack");
    first.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "rm/#", qos: 1 }] });
    await first.next("suback");
    first.end();
    await until(() => !g.gateway.broker.sessions.get("small-window")!.connection, "the session to go offline");
    await publishSequences(g.port, ["rm/a", "rm/b"], 1000, 50);
    const back = await rawClient(g.port, 5);
    back.send(connect);
    await back.next("connack");
    const got: string[] = [];
    const ids = new Set<number>();
    let mostInFlight = 0;
    const deadline = Date.now() + 30_000;
    while (got.length < 2000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      const publishes = back.packets.splice(0).filter((p): p is IPublishPacket => p.cmd === "publish");
      mostInFlight = Math.max(mostInFlight, publishes.length);
      for (const p of publishes) {
        got.push(`${p.topic}:${p.payload.toString()}`);
        ids.add(p.messageId!);
        back.send({ cmd: "puback", messageId: p.messageId });
      }
    }
    expect(mostInFlight).toBeLessThanOrEqual(10);
    // Packet ids cycle below a bound that follows the window (128 at least), not through all
    // 65,535: what the session keeps per id in flight (log-inflight.ts) stays that small.
    expect(Math.max(...ids)).toBeLessThanOrEqual(128);
    expect(new Set(got).size).toBe(2000);
    for (const t of ["rm/a", "rm/b"]) expect(got.filter((x) => x.startsWith(`${t}:`)).map((x) => Number(x.split(":")[1]))).toEqual(range(1000));
    back.end();
  }, 40_000);

  it("unacknowledged deliveries are sent again on reconnect with their packet ids and DUP, in the order first sent, log and retained interleaved [MQTT-4.4.0-1] [MQTT-4.6.0-1]", async () => {
    const g = (f = await startGateway());
    const connect = { cmd: "connect" as const, protocolId: "MQTT" as const, protocolVersion: 4 as const, clientId: "resender", clean: false, keepalive: 60 };
    const publishes = (c: { packets: Array<{ cmd: string }> }) => c.packets.filter((p): p is IPublishPacket => p.cmd === "publish");
    const first = await rawClient(g.port);
    first.send(connect);
    await first.next("connack");
    first.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "mix/#", qos: 1 }] });
    await first.next("suback");
    const retainer = await rawClient(g.port);
    retainer.send({ ...connect, clientId: "retainer", clean: true });
    await retainer.next("connack");
    retainer.send({ cmd: "publish", topic: "kept/x", payload: Buffer.from("retained"), qos: 1, messageId: 1, retain: true, dup: false });
    await retainer.next("puback");
    retainer.end();
    await publishSequences(g.port, ["mix/a"], 3);
    await until(() => publishes(first).length === 3, "the first three deliveries");
    // A retained message on SUBSCRIBE goes through the session's queue, not its cursors: the
    // two kinds in flight interleave.
    first.send({ cmd: "subscribe", messageId: 2, subscriptions: [{ topic: "kept/#", qos: 1 }] });
    await until(() => publishes(first).length === 4, "the retained message");
    await publishSequences(g.port, ["mix/b"], 2);
    await until(() => publishes(first).length === 6, "two more deliveries");
    const sent = publishes(first).map((p) => ({ id: p.messageId, topic: p.topic, payload: p.payload.toString() }));
    expect(sent.map((p) => p.topic)).toEqual(["mix/a", "mix/a", "mix/a", "kept/x", "mix/b", "mix/b"]);
    expect(publishes(first).some((p) => p.dup)).toBe(false);
    first.end(); // none acknowledged
    await until(() => !g.gateway.broker.sessions.get("resender")!.connection, "the session to go offline");
    const back = await rawClient(g.port);
    back.send(connect);
    await back.next("connack");
    await until(() => publishes(back).length >= 6, "the resends");
    const resent = publishes(back);
    expect(resent.map((p) => ({ id: p.messageId, topic: p.topic, payload: p.payload.toString() }))).toEqual(sent);
    expect(resent.every((p) => p.dup)).toBe(true);
    for (const p of resent) back.send({ cmd: "puback", messageId: p.messageId });
    await until(() => g.gateway.broker.sessions.get("resender")!.inflightCount === 0, "every resend acknowledged");
    back.end();
  }, 30_000);

  it("retention keeps what an offline session has not acknowledged, and lets it go once acknowledged", async () => {
    const g = (f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 1, config: { "retention.ms": 1 } }] }));
    const first = await seqSubscriber(g.port, { clientId: "keeper", clean: false, subscriptions: [{ topic: "keep/#", qos: 1 }] });
    first.end();
    await first.closed;
    await publishSequences(g.port, ["keep/x"], 200, 20);
    g.gateway.broker.delivery.protect(); // it runs each second; now, so the test does not wait on a timer
    await g.log.applyRetention();
    expect(g.log.partitionState("mqtt-messages", 0).logStartOffset).toBe(0);
    const back = await seqSubscriber(g.port, { clientId: "keeper", clean: false });
    await back.waitFor(200);
    expect(byTopic(back.deliveries).get("keep/x")).toEqual(range(200));
    const deadline = Date.now() + 10_000;
    while (g.log.partitionState("mqtt-messages", 0).logStartOffset === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await g.log.applyRetention();
    }
    expect(g.log.partitionState("mqtt-messages", 0).logStartOffset).toBeGreaterThan(0);
    expect(counter(g, "ledge_mqtt_session_messages_lost_total")).toBe(0);
    back.end();
  }, 30_000);

  it("messages the storage cap deletes before an offline session got them are counted, logged and told in DISCONNECT (MQTT 5)", async () => {
    const g = (f = await startGateway({ storage: { maxBytes: "1MiB", overflow: "drop-oldest", sync: "interval" }, topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const sub = await rawClient(g.port, 5);
    sub.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "capped", clean: false, keepalive: 60, properties: { sessionExpiryInterval: 600 } });
    await sub.next("connack");
    sub.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "cap/#", qos: 1 }] });
    await sub.next("suback");
    sub.end();
    await until(() => !g.gateway.broker.sessions.get("capped")!.connection, "the session to go offline");
    // ~1.2 MiB into a 1 MiB cap: drop-oldest deletes what the session still needed.
    const pub = await rawClient(g.port, 4);
    pub.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: "cap-pub", clean: true, keepalive: 60 });
    await pub.next("connack");
    const payload = Buffer.alloc(1024, 0x61);
    // One at a time: each commit holds one append, so drop-oldest always finds committed data to free.
    const puback = () => new Promise<void>((resolve) => {
      const check = () => {
        const i = pub.packets.findIndex((p) => p.cmd === "puback");
        if (i < 0) return;
        pub.packets.splice(i, 1);
        pub.socket.off("data", check);
        resolve();
      };
      pub.socket.on("data", check);
      check();
    });
    for (let i = 0; i < 1200; i++) {
      pub.send({ cmd: "publish", topic: "cap/x", payload, qos: 1, messageId: (i % 60_000) + 1, dup: false, retain: false });
      await puback();
    }
    pub.end();
    const start = g.log.partitionState("mqtt-messages", 0).logStartOffset;
    expect(start).toBeGreaterThan(0);
    const back = await rawClient(g.port, 5);
    back.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "capped", clean: false, keepalive: 60, properties: { sessionExpiryInterval: 600 } });
    const bye = (await back.next("disconnect", 5000)) as IDisconnectPacket;
    expect(bye.reasonCode).toBe(0x97);
    expect(bye.properties?.reasonString).toMatch(/messages lost: \d+ records .* of log topic mqtt-messages partition 0 were deleted from the log/);
    expect(counter(g, "ledge_mqtt_session_messages_lost_total")).toBe(start);
    expect(g.logLines.some((l) => l.includes("MQTT session 'capped' lost") && l.includes("storage.maxBytes"))).toBe(true);
    // The session goes on after the loss: the rest arrives on the next connection.
    const again = await seqSubscriber(g.port, { clientId: "capped", clean: false });
    const end = g.log.partitionState("mqtt-messages", 0).highWatermark;
    await again.waitFor(end - start);
    expect(again.deliveries.length).toBe(end - start);
    again.end();
  }, 30_000);

  it("mqtt.limits.sessionLagMsMax: a session skips records older than the limit, counting and logging them", async () => {
    const g = (f = await startGateway({ mqtt: { allowAnonymous: true, limits: { sessionLagMsMax: "10m" } }, topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const first = await seqSubscriber(g.port, { clientId: "lag-ms", clean: false, subscriptions: [{ topic: "lm/#", qos: 1 }] });
    first.end();
    await first.closed;
    // 100 records an hour old (a Kafka producer's timestamps), then 5 published now.
    const hourAgo = Date.now() - 3600_000;
    await g.log.append("mqtt-messages", 0, encodeBatch(range(100).map((i) => ({ key: Buffer.from("lm/old"), value: Buffer.from(String(i)), timestampMs: hourAgo }))));
    await publishSequences(g.port, ["lm/new"], 5, 5);
    const back = await seqSubscriber(g.port, { clientId: "lag-ms", clean: false });
    await back.waitFor(5);
    await publishSequences(g.port, ["lm/end"], 1, 1);
    await back.waitFor(6);
    expect(back.deliveries.map((x) => `${x.topic}:${x.seq}`)).toEqual(["lm/new:0", "lm/new:1", "lm/new:2", "lm/new:3", "lm/new:4", "lm/end:0"]);
    expect(counter(g, "ledge_mqtt_session_messages_lost_total")).toBe(100);
    expect(g.logLines.some((l) => l.includes("MQTT session 'lag-ms' skipped 100 records") && l.includes("sessionLagMsMax"))).toBe(true);
    back.end();
  });

  it("mqtt.limits.sessionLagBytesMax: a session further behind skips ahead to the newest it allows, counting what it skips", async () => {
    const g = (f = await startGateway({ mqtt: { allowAnonymous: true, limits: { sessionLagBytesMax: "16KiB" } }, topics: [{ name: "mqtt-messages", partitions: 1 }] }));
    const first = await seqSubscriber(g.port, { clientId: "lag-bytes", clean: false, subscriptions: [{ topic: "lb/#", qos: 1 }] });
    first.end();
    await first.closed;
    await publishSequences(g.port, ["lb/x"], 2000, 50);
    const back = await seqSubscriber(g.port, { clientId: "lag-bytes", clean: false });
    await until(() => back.deliveries.length + counter(g, "ledge_mqtt_session_messages_lost_total") === 2000, "all 2000 delivered or counted lost");
    const seqs = byTopic(back.deliveries).get("lb/x")!;
    expect(seqs.length).toBeLessThan(2000);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(range(seqs.length).map((i) => 2000 - seqs.length + i)); // the newest, in order
    expect(g.logLines.some((l) => l.includes("MQTT session 'lag-bytes' lost") && l.includes("sessionLagBytesMax"))).toBe(true);
    back.end();
  });
});
