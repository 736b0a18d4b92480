// Wills across ledge's own shutdown and crash. Shutdown ends client connections without their
// DISCONNECT, so their wills are published (MQTT 5 3.1.2.5), delayed ones at their due time
// even across the restart, unless the client is back within the delay [MQTT-3.1.3-9]; a clean
// DISCONNECT still discards the will. A SIGKILLed ledge publishes, at its next start, the wills
// of the connections it had. And whatever was stored just before either reaches offline
// persistent sessions afterwards: delivery resumes where it stopped.
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { collect, sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

const will = (topic: string, delayS?: number) => ({
  topic, payload: Buffer.from(`will of ${topic}`), qos: 1 as const, retain: false,
  ...(delayS === undefined ? {} : { properties: { willDelayInterval: delayS } }),
});
const persistent5 = { clean: false, properties: { sessionExpiryInterval: 300 } };

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe("wills when ledge shuts down", () => {
  it("publishes them (delayed ones at their due time after the restart), not after a clean DISCONNECT or a return within the delay", async () => {
    let f: GatewayFixture = await startGateway();
    cleanup.push(() => f.close());
    // An offline persistent session that wants every will.
    const watch = await f.connect({ clientId: "watch", protocolVersion: 5, ...persistent5 });
    await watch.subscribeAsync("wr/#", { qos: 1 });
    await watch.endAsync();

    await rawConnected(f.port, 4, "wr-now", { will: will("wr/now") });
    const polite = await rawConnected(f.port, 4, "wr-polite", { will: will("wr/polite") });
    polite.send({ cmd: "disconnect" });
    await rawConnected(f.port, 5, "wr-late", { ...persistent5, will: will("wr/late", 1) });
    await rawConnected(f.port, 5, "wr-back", { ...persistent5, will: will("wr/back", 30) });
    await sleep(100);

    const stoppedAtMs = Date.now();
    f = await f.restart();
    const back = await rawConnected(f.port, 5, "wr-back", persistent5);
    const { client, inbox } = await f.connectWithInbox({ clientId: "watch", protocolVersion: 5, ...persistent5 });
    const got = await inbox.next(2);
    expect(Date.now() - stoppedAtMs).toBeGreaterThanOrEqual(900); // wr/late waited out its delay
    expect(got.map((m) => `${m.topic}=${m.payload}`)).toEqual(["wr/now=will of wr/now", "wr/late=will of wr/late"]);
    await sleep(300);
    expect(inbox.got.map((m) => m.topic)).toEqual(["wr/now", "wr/late"]);
    back.end();
    await client.endAsync();
  });
});

describe("wills when ledge is killed", () => {
  it("publishes at the next start the wills of the connections it had, and delivers what was stored just before", async () => {
    const dirs = await ledgeDirs("ledge-will-crash-", "mqtt:\n  allowAnonymous: true\n");
    cleanup.push(() => dirs.remove());
    let ledge = await startLedge(dirs.args);
    const url = () => `mqtt://127.0.0.1:${ledge.ports.mqtt}`;
    const watch = await mqtt.connectAsync(url(), { clientId: "crash-watch", protocolVersion: 5, ...persistent5, reconnectPeriod: 0 });
    await watch.subscribeAsync("wc/#", { qos: 1 });
    await watch.endAsync();
    await rawConnected(ledge.ports.mqtt!, 4, "wc-device", { will: will("wc/device") });
    const publisher = await rawConnected(ledge.ports.mqtt!, 4, "wc-pub");
    publisher.send({ cmd: "publish", topic: "wc/last", payload: Buffer.from("stored just before"), qos: 1, messageId: 7, dup: false, retain: false });
    await publisher.next("puback");
    ledge.child.kill("SIGKILL");
    await ledge.exited;

    ledge = await startLedge(dirs.args);
    cleanup.push(async () => {
      ledge.child.kill("SIGTERM");
      await ledge.exited;
    });
    const back = mqtt.connect(url(), { clientId: "crash-watch", protocolVersion: 5, ...persistent5, reconnectPeriod: 0, manualConnect: true });
    const inbox = collect(back, 5000);
    back.connect();
    const got = await inbox.next(2);
    expect(got.map((m) => `${m.topic}=${m.payload}`).sort()).toEqual(["wc/device=will of wc/device", "wc/last=stored just before"]);
    expect(ledge.stderr()).toMatch(/wills of clients whose connections ended when ledge last stopped: 1 published now, 0 after/);
    await sleep(300);
    expect(inbox.got).toHaveLength(2);
    await back.endAsync();
  });
});
