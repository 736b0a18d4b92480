// Retained messages: delivered on subscribe with retain=1 [MQTT-3.3.1-8], cleared by an empty
// payload [MQTT-3.3.1-6], retain handling 2 [MQTT-3.3.1-11], and kept across a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway();
});
afterAll(async () => f?.close());

describe("retained messages", () => {
  it("are sent to new subscribers with retain=1, the latest per topic", async () => {
    const pub = await f.connect();
    await pub.publishAsync("r/a", "old", { qos: 1, retain: true });
    await pub.publishAsync("r/a", "new", { qos: 1, retain: true });
    await pub.publishAsync("r/b", "b", { qos: 1, retain: true });
    const sub = await f.connect();
    const inbox = collect(sub);
    await sub.subscribeAsync("r/+", { qos: 1 });
    const got = await inbox.next(2);
    expect(got.map((g) => [g.topic, g.payload.toString(), g.packet.retain]).sort()).toEqual([["r/a", "new", true], ["r/b", "b", true]]);
    await Promise.all([sub.endAsync(), pub.endAsync()]);
  });

  it("forwards a retained publish to existing subscribers with retain=0 unless Retain As Published [MQTT-3.3.1-12]", async () => {
    const plain = await f.connect({ protocolVersion: 5 });
    const rap = await f.connect({ protocolVersion: 5 });
    const [ip, ir] = [collect(plain), collect(rap)];
    await plain.subscribeAsync("rf/x", { qos: 1 });
    await rap.subscribeAsync("rf/x", { qos: 1, rap: true });
    const pub = await f.connect();
    await pub.publishAsync("rf/x", "v", { qos: 1, retain: true });
    expect((await ip.next(1))[0].packet.retain).toBe(false);
    expect((await ir.next(1))[0].packet.retain).toBe(true);
    await Promise.all([plain.endAsync(), rap.endAsync(), pub.endAsync()]);
  });

  it("an empty retained payload clears the topic; retain handling 2 sends none", async () => {
    const pub = await f.connect();
    await pub.publishAsync("rc/a", "x", { qos: 1, retain: true });
    await pub.publishAsync("rc/a", "", { qos: 1, retain: true });
    await pub.publishAsync("rc/b", "y", { qos: 1, retain: true });
    const sub = await f.connect({ protocolVersion: 5 });
    const inbox = collect(sub);
    await sub.subscribeAsync("rc/#", { qos: 1 });
    expect((await inbox.next(1)).map((g) => g.topic)).toEqual(["rc/b"]);
    const none = await f.connect({ protocolVersion: 5 });
    const inboxNone = collect(none);
    await none.subscribeAsync("rc/#", { qos: 1, rh: 2 });
    await sleep(150);
    expect(inboxNone.got).toHaveLength(0);
    expect(inbox.got).toHaveLength(1);
    await Promise.all([sub.endAsync(), none.endAsync(), pub.endAsync()]);
  });

  it("survive a restart (persisted in the log's store)", async () => {
    const pub = await f.connect();
    await pub.publishAsync("rr/keep", "kept", { qos: 1, retain: true });
    await pub.endAsync();
    f = await f.restart();
    const sub = await f.connect();
    const inbox = collect(sub);
    await sub.subscribeAsync("rr/#", { qos: 1 });
    const [m] = await inbox.next(1);
    expect([m.topic, m.payload.toString(), m.packet.retain]).toEqual(["rr/keep", "kept", true]);
    await sub.endAsync();
  });
});
