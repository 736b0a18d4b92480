// SIGKILL of the ledge process while persistent sessions read from their cursors: after restart
// a session catching up resumes from its stored cursor without losing a message (resends are
// flagged DUP), and a QoS 2 delivery the client held (PUBREC sent, PUBCOMP not yet) gets its
// PUBREL again, never a second PUBLISH.
//
// A share group ($share/{group}/{filter}) SIGKILLed while its members catch up on a backlog
// resumes from its stored cursor the same way: the union of what the members got before and
// after covers every message published, and every message sent again carries DUP.
import { spawn } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { byTopic, publishSequences, seqSubscriber, type Delivery, type SeqSubscriber } from "./helpers/seq-clients.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const remove of cleanups) await remove();
});

async function kill(ledge: LedgeProcess): Promise<void> {
  ledge.child.kill("SIGKILL");
  await ledge.exited;
}

const key = (d: Delivery) => `${d.topic}#${d.seq}`;

describe("persistent sessions across a crash", () => {
  it("a session SIGKILLed while catching up resumes from its stored cursor: nothing lost, every resend flagged DUP", async () => {
    const d = await ledgeDirs("ledge-cursor-crash-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 2 }\n");
    cleanups.push(d.remove);
    let ledge = await startLedge(d.args);
    const topics = ["cc/a", "cc/b"];
    const perTopic = 15_000;
    const first = await seqSubscriber(ledge.ports.mqtt!, { clientId: "catcher", clean: false, receiveMaximum: 20, subscriptions: [{ topic: "cc/#", qos: 1 }] });
    first.end();
    await first.closed;
    await publishSequences(ledge.ports.mqtt!, topics, perTopic, 100);
    // A small Receive Maximum: ledge cannot write the whole backlog into the socket before the kill.
    const before = await seqSubscriber(ledge.ports.mqtt!, { clientId: "catcher", clean: false, receiveMaximum: 20 });
    await before.waitFor(5000);
    await kill(ledge);
    await before.closed;
    const gotBefore = new Set(before.deliveries.map(key));
    expect(gotBefore.size).toBe(before.deliveries.length); // no duplicate within one connection
    expect(gotBefore.size).toBeLessThan(2 * perTopic); // killed while catching up

    ledge = await startLedge(d.args);
    const after = await seqSubscriber(ledge.ports.mqtt!, { clientId: "catcher", clean: false, receiveMaximum: 20 });
    expect(after.sessionPresent).toBe(true);
    const all = () => new Set([...gotBefore, ...after.deliveries.map(key)]).size;
    const deadline = Date.now() + 30_000;
    while (all() < 2 * perTopic && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(all()).toBe(2 * perTopic); // nothing lost
    // In order per topic on each connection, and each resend of what the first got carries DUP.
    for (const run of [before.deliveries, after.deliveries]) {
      for (const seqs of byTopic(run).values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const resent = after.deliveries.filter((x) => gotBefore.has(key(x)));
    expect(resent.every((x) => x.dup)).toBe(true);
    expect(new Set(after.deliveries.map(key)).size).toBe(after.deliveries.length);
    console.log(`cursor crash: ${before.deliveries.length} before the kill, ${resent.length} sent again (DUP), ${after.deliveries.length - resent.length} new after restart`);
    after.end();
    await kill(ledge);
  }, 90_000);

  it("messages in flight when a persistent session goes offline come back once after a restart, not from its cursor and a stored copy both", async () => {
    const d = await ledgeDirs("ledge-cursor-offline-inflight-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 1 }\n");
    cleanups.push(d.remove);
    let ledge = await startLedge(d.args);
    const holder = await seqSubscriber(ledge.ports.mqtt!, { clientId: "holder", clean: false, ack: false, subscriptions: [{ topic: "hf/#", qos: 1 }] });
    await publishSequences(ledge.ports.mqtt!, ["hf/a"], 40, 10);
    await holder.waitFor(10); // the window is full of unacknowledged deliveries
    holder.end();
    await holder.closed;
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);

    ledge = await startLedge(d.args);
    const back = await seqSubscriber(ledge.ports.mqtt!, { clientId: "holder", clean: false });
    expect(back.sessionPresent).toBe(true);
    await back.waitFor(40);
    await new Promise((r) => setTimeout(r, 500)); // a second copy would arrive right behind
    const seqs = back.deliveries.map((x) => x.seq);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(back.deliveries.filter((x) => x.dup).map((x) => x.seq)).toEqual(holder.deliveries.map((x) => x.seq));
    back.end();
    await kill(ledge);
  }, 60_000);

  for (const [who, filter] of [["a session", "q2/#"], ["a share group's member", "$share/q/q2/#"]]) {
    it(`QoS 2 (${who}): a SIGKILL between PUBREC and PUBCOMP leads to PUBREL again, never a second PUBLISH`, async () => {
      const d = await ledgeDirs("ledge-cursor-q2-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 1 }\n");
      cleanups.push(d.remove);
      let ledge = await startLedge(d.args);
      const held = await seqSubscriber(ledge.ports.mqtt!, { clientId: "q2-holder", clean: false, pubcomp: false, subscriptions: [{ topic: filter, qos: 2 }] });
      await mosquittoPub(ledge.ports.mqtt!, "q2/x", ["0", "1", "2", "3", "4"]);
      await held.waitFor(5);
      // A PUBREL is sent only once ledge has stored that the client holds the message.
      const deadline = Date.now() + 10_000;
      while (held.pubrels.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(held.pubrels).toHaveLength(5);
      const ids = held.deliveries.map((x) => x.packetId);
      expect(held.pubrels).toEqual(ids);
      await kill(ledge);

      ledge = await startLedge(d.args);
      const back = await seqSubscriber(ledge.ports.mqtt!, { clientId: "q2-holder", clean: false });
      while (back.pubrels.length < 5 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 10));
      expect(back.pubrels.sort()).toEqual([...ids].sort());
      // A message published now comes after anything resent from the log: only it arrives.
      await mosquittoPub(ledge.ports.mqtt!, "q2/x", ["5"]);
      await back.waitFor(1);
      expect(back.deliveries.map((x) => x.seq)).toEqual([5]);
      back.end();
      await kill(ledge);
    }, 60_000);
  }
});

function mosquittoPub(port: number, topic: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(port), "-q", "2", "-t", topic, "-l"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (x) => (err += x));
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err}`))));
    child.stdin.end(lines.join("\n") + "\n");
  });
}

const filter = "$share/k/kk/#";
const ids = ["k-1", "k-2", "k-3"];

// A small Receive Maximum keeps ledge from writing the whole backlog into the sockets before the
// kill (catching up runs at hundreds of thousands a second): the kill lands mid-stream.
function connectMembers(port: number, subscribe: boolean): Promise<SeqSubscriber[]> {
  return Promise.all(ids.map((clientId) => seqSubscriber(port, { clientId, clean: false, receiveMaximum: 20, subscriptions: subscribe ? [{ topic: filter, qos: 1 }] : undefined })));
}

describe("share groups across a crash", () => {
  it("a group SIGKILLed while its members catch up resumes from its stored cursor: nothing lost, resends flagged DUP", async () => {
    const d = await ledgeDirs("ledge-share-crash-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 2 }\n");
    cleanups.push(d.remove);
    let ledge = await startLedge(d.args);
    const port = () => ledge.ports.mqtt!;
    for (const m of await connectMembers(port(), true)) {
      m.end();
      await m.closed;
    }
    const topics = ["kk/a", "kk/b"];
    const perTopic = 15_000;
    await publishSequences(port(), topics, perTopic, 100);
    const before = await connectMembers(port(), false);
    const count = (ms: SeqSubscriber[]) => ms.reduce((n, m) => n + m.deliveries.length, 0);
    const deadline = Date.now() + 30_000;
    while (count(before) < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
    await kill(ledge);
    await Promise.all(before.map((m) => m.closed));
    const gotBefore = new Set(before.flatMap((m) => m.deliveries.map(key)));
    expect(gotBefore.size).toBe(count(before)); // each message to one member
    expect(gotBefore.size).toBeLessThan(2 * perTopic); // killed mid-stream

    ledge = await startLedge(d.args);
    const after = await connectMembers(port(), false);
    for (const m of after) expect(m.sessionPresent).toBe(true);
    const all = () => new Set([...gotBefore, ...after.flatMap((m) => m.deliveries.map(key))]).size;
    const until = Date.now() + 60_000;
    while (all() < 2 * perTopic && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(all()).toBe(2 * perTopic); // the union covers every message published
    const deliveredAfter = after.flatMap((m) => m.deliveries);
    expect(new Set(deliveredAfter.map(key)).size).toBe(deliveredAfter.length); // each to one member
    const resent = deliveredAfter.filter((x) => gotBefore.has(key(x)));
    expect(resent.every((x) => x.dup)).toBe(true);
    // One member's connection reads each partition in order.
    for (const m of [...before, ...after]) {
      for (const seqs of byTopic(m.deliveries).values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    console.log(`share crash: ${gotBefore.size} before the kill (${before.map((m) => m.deliveries.length).join("/")}), ${resent.length} sent again (DUP), ${deliveredAfter.length - resent.length} new after restart (${after.map((m) => m.deliveries.length).join("/")})`);
    for (const m of after) m.end();
    await kill(ledge);
  }, 120_000);
});
