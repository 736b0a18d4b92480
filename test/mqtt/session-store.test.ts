// The persistent-session queue store writes what a turn queued and forgot as one batch, in
// order, on a real LMDB log: entries forgotten in the turn they were queued are never stored,
// nor are those of a session removed before the batch went out, and the batch is durable once
// the tracked write resolves.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { SessionStore } from "../../gateways/mqtt/session-store.ts";
import type { Outgoing } from "../../gateways/mqtt/session.ts";
import { openLog, tempDir } from "../log/helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;
let store: SessionStore;
let writes: Promise<unknown>[];

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  writes = [];
  store = new SessionStore(log.openStore("mqtt-sessions"), log.openStore("mqtt-queued"), (w) => void writes.push(w));
});

afterEach(async () => {
  await log.close();
  t.remove();
});

const item = (n: number): Outgoing => ({ message: { topic: `q/${n}`, payload: Buffer.from(`m${n}`), qos: 1, retain: false }, qos: 1, retain: false, packetId: 0, stage: "publish" });
const stored = () => [...log.openStore<{ topic: string }>("mqtt-queued").range("")].map((e) => e.value.topic);

describe("session queue store", () => {
  it("writes a turn's queue entries and removals as one batch, in order", async () => {
    const keys = [1, 2, 3].map((n) => store.queue("a", item(n)));
    store.forget([keys[1]]);
    expect(writes).toHaveLength(0); // nothing issued yet: the batch goes at the end of the turn
    await Promise.resolve();
    expect(writes).toHaveLength(1);
    await Promise.all(writes);
    expect(stored()).toEqual(["q/1", "q/3"]);

    store.forget([keys[0]]);
    store.queue("a", item(4));
    store.flush(); // the log tail does this before storing its position
    expect(writes).toHaveLength(2);
    await Promise.all(writes);
    expect(stored()).toEqual(["q/3", "q/4"]);
  });

  it("never stores entries of a session removed before they went out", async () => {
    store.queue("gone", item(1));
    store.queue("kept", item(2));
    await store.remove("gone");
    await Promise.resolve();
    await Promise.all(writes);
    expect(stored()).toEqual(["q/2"]);
  });
});
