// A Kafka client deletes the log topic MQTT routes write to, while MQTT clients publish and
// subscribe. ledge creates it again at once, as configured (here: 2 partitions), says so in a
// warning, and MQTT goes on: later publishes are acknowledged, stored in the new topic and
// delivered to subscribers, who never reconnect.
import { Kafka, logLevel } from "kafkajs";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { collect, sleep } from "./helpers/gateway-fixture.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

describe("the routed log topic deleted over Kafka", () => {
  it("is created again as configured, and MQTT publishing and delivery go on", async () => {
    const dirs = await ledgeDirs("ledge-routed-deleted-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 2 }\n");
    cleanup.push(() => dirs.remove());
    const ledge: LedgeProcess = await startLedge(dirs.args);
    cleanup.push(async () => {
      ledge.child.kill("SIGTERM");
      await ledge.exited;
    });
    const url = `mqtt://127.0.0.1:${ledge.ports.mqtt}`;
    const sub = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const inbox = collect(sub, 5000);
    await sub.subscribeAsync("rt/#", { qos: 1 });
    const pub = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
    cleanup.push(() => sub.endAsync(), () => pub.endAsync());
    await pub.publishAsync("rt/before", "1", { qos: 1 });
    await inbox.next(1);

    const admin = new Kafka({ brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await admin.deleteTopics({ topics: ["mqtt-messages"] });
    const deadline = Date.now() + 5000;
    while (!ledge.stderr().includes("was deleted; created it again") && Date.now() < deadline) await sleep(20);
    expect(ledge.stderr()).toMatch(/log topic 'mqtt-messages', which mqtt.routes write to, was deleted; created it again with 2 partitions/);
    const [meta] = (await admin.fetchTopicMetadata({ topics: ["mqtt-messages"] })).topics;
    expect(meta.partitions).toHaveLength(2);

    for (const t of ["rt/a", "rt/b", "rt/c"]) await pub.publishAsync(t, "after", { qos: 1 });
    const got = await inbox.next(4);
    expect(got.map((m) => m.topic).sort()).toEqual(["rt/a", "rt/b", "rt/before", "rt/c"]);

    // The new topic holds only what came after the deletion (kcat reads both partitions).
    const read = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-C", "-t", "mqtt-messages", "-e", "-q", "-f", "%k\n"]);
    expect(read.stdout.trim().split("\n").sort()).toEqual(["rt/a", "rt/b", "rt/c"]);
    expect(ledge.stderr()).not.toMatch(/delivering from log topic .* failed/);
  }, 40_000);
});
