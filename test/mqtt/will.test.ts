// Wills: published when a connection drops without DISCONNECT [MQTT-3.1.2-8], not after a
// normal DISCONNECT [MQTT-3.14.4-3], after the MQTT 5 Will Delay Interval, and not at all when
// the client comes back within the delay [MQTT-3.1.3-9], a session takeover included.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway();
});
afterAll(async () => f?.close());

const will5 = (topic: string, delayS: number) => ({ topic, payload: Buffer.from("gone"), qos: 1 as const, retain: false, properties: { willDelayInterval: delayS } });

async function watcher(filter: string) {
  const sub = await f.connect({ protocolVersion: 5 });
  const inbox = collect(sub, 4000);
  await sub.subscribeAsync(filter, { qos: 1 });
  return { sub, inbox };
}

describe("wills", () => {
  it("on a session takeover: one without a delay is published, a delayed one is cancelled", async () => {
    const { sub, inbox } = await watcher("wt/+");
    await rawConnected(f.port, 5, "taken-now", { will: will5("wt/now", 0) });
    await rawConnected(f.port, 5, "taken-late", { clean: false, properties: { sessionExpiryInterval: 60 }, will: will5("wt/late", 1) });
    const a = await rawConnected(f.port, 5, "taken-now");
    const b = await rawConnected(f.port, 5, "taken-late", { clean: false, properties: { sessionExpiryInterval: 60 } });
    const [m] = await inbox.next(1);
    expect(m.topic).toBe("wt/now");
    await sleep(1500); // past the delayed will's interval
    expect(inbox.got.map((g) => g.topic)).toEqual(["wt/now"]);
    a.end();
    b.end();
    await sub.endAsync();
  });


  it("are published when the connection drops, not after DISCONNECT", async () => {
    const { sub, inbox } = await watcher("will/+");
    const dropped = await rawConnected(f.port, 4, "dropper", { will: { topic: "will/dropper", payload: Buffer.from("gone"), qos: 1, retain: false } });
    const polite = await rawConnected(f.port, 4, "polite", { will: { topic: "will/polite", payload: Buffer.from("gone"), qos: 1, retain: false } });
    polite.send({ cmd: "disconnect" });
    await sleep(50);
    dropped.socket.destroy();
    const [m] = await inbox.next(1);
    expect([m.topic, m.payload.toString()]).toEqual(["will/dropper", "gone"]);
    await sleep(150);
    expect(inbox.got).toHaveLength(1);
    await sub.endAsync();
  });

  it("wait for the Will Delay Interval, and a reconnect within it cancels the will", async () => {
    const { sub, inbox } = await watcher("wd/+");
    const will = (topic: string) => ({ topic, payload: Buffer.from("late"), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } });
    const delayed = await rawConnected(f.port, 5, "delayed", { clean: true, properties: { sessionExpiryInterval: 60 }, will: will("wd/delayed") });
    const back = await rawConnected(f.port, 5, "comes-back", { clean: true, properties: { sessionExpiryInterval: 60 }, will: will("wd/back") });
    const t0 = Date.now();
    delayed.socket.destroy();
    back.socket.destroy();
    await sleep(100);
    const again = await rawConnected(f.port, 5, "comes-back", { clean: false, properties: { sessionExpiryInterval: 60 } });
    const [m] = await inbox.next(1);
    expect(m.topic).toBe("wd/delayed");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    await sleep(1200);
    expect(inbox.got.map((g) => g.topic)).toEqual(["wd/delayed"]);
    again.end();
    await sub.endAsync();
  });
});
