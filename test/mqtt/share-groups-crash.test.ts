// SIGKILL of the ledge process while a share group's members are catching up on a backlog:
// after restart the group resumes from its stored cursor, so the union of what the members got
// before and after covers every message published (at least once), and every message sent
// again carries DUP.
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
const filter = "$share/k/kk/#";
const ids = ["k-1", "k-2", "k-3"];

function connectMembers(port: number, subscribe: boolean): Promise<SeqSubscriber[]> {
  return Promise.all(ids.map((clientId) => seqSubscriber(port, { clientId, clean: false, subscriptions: subscribe ? [{ topic: filter, qos: 1 }] : undefined })));
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
