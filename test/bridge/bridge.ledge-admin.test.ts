// What only an upstream with real transactions and topic admin can show (a second ledge; the
// mock cluster hands out new producer ids instead of bumping epochs, and creates every topic a
// Metadata request names): a second edge with the same edgeId fences the first, which stops
// with a line naming edgeId; and createTopics: false with a missing upstream topic blocks it
// with a line saying what to do, keeps ingesting, and ships once the topic exists.
import { afterAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, metric, publishSeries, publisher, readTopic, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function ledgeUpstream(name: string, autoCreate: boolean) {
  // Its own MQTT topic is configured, so it starts whether topics are auto-created or not.
  const up = await ledgeDirs(`ledge-up-${name}-`, `log: { autoCreateTopics: ${autoCreate} }\ntopics:\n  - { name: mqtt-messages, partitions: 1 }\n`);
  cleanups.push(up.remove);
  const upstream = await startLedge(up.args);
  cleanups.push(async () => void upstream.child.kill("SIGKILL"));
  return { upstream, bootstrap: `127.0.0.1:${upstream.ports.kafka}` };
}

describe("bridge against a ledge upstream: fencing and topic admin", () => {
  it("a second edge with the same edgeId fences the first: state 5 and a line naming edgeId; the second delivers", { timeout: 120_000 }, async () => {
    const { bootstrap } = await ledgeUpstream("fence", true);
    const yaml = bridgeYaml(bootstrap, "  prefix: f.\n", "edge-twin");
    const a = await ledgeDirs("ledge-edge-twin-a-", yaml);
    const b = await ledgeDirs("ledge-edge-twin-b-", yaml);
    cleanups.push(a.remove, b.remove);
    const first = await startLedge(a.args);
    cleanups.push(async () => void first.child.kill("SIGKILL"));
    const p1 = await publisher(first.ports.mqtt!, "twin-a");
    await publishSeries(p1, 0, 20);
    expect(await waitFor(async () => (await metric(first.ports.http!, "ledge_bridge_shipped_records_total")) === 20, 30_000, 200)).toBe(true);
    const second = await startLedge(b.args);
    cleanups.push(async () => void second.child.kill("SIGKILL"));
    // The first edge learns it was fenced at its next request with the old epoch.
    await publishSeries(p1, 20, 30);
    await p1.endAsync();
    const fenced = await waitFor(async () => (await metric(first.ports.http!, "ledge_bridge_state")) === 5, 30_000, 200);
    expect(fenced, first.stderr().slice(-3000)).toBe(true);
    expect(first.stderr()).toMatch(/bridge: state fenced: .*edgeId/);
    const p2 = await publisher(second.ports.mqtt!, "twin-b");
    await publishSeries(p2, 100, 110);
    await p2.endAsync();
    expect(await waitFor(async () => (await metric(second.ports.http!, "ledge_bridge_shipped_records_total")) >= 10, 30_000, 200), second.stderr().slice(-3000)).toBe(true);
  });

  it("createTopics: false and a missing upstream topic: a line saying what to do, ingest goes on, shipping starts once it exists", { timeout: 120_000 }, async () => {
    const { bootstrap } = await ledgeUpstream("missing", false);
    const d = await ledgeDirs("ledge-edge-missing-", bridgeYaml(bootstrap, "  createTopics: false\n  prefix: m.\n", "edge-missing"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "missing-1");
    await publishSeries(c, 0, 15);
    const said = /bridge: not shipping to m\.mqtt-messages: upstream topic m\.mqtt-messages does not exist; create it with at least 3 partitions, or set bridge\.createTopics: true/;
    expect(await waitFor(async () => said.test(edge.stderr()), 30_000, 200), edge.stderr().slice(-3000)).toBe(true);
    await publishSeries(c, 15, 30); // ingest goes on while the topic is missing
    expect(await metric(edge.ports.http!, "ledge_bridge_blocked_topics")).toBe(1);
    expect(count(await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false))).toBe(30);
    const admin = new Kafka({ clientId: "operator", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "m.mqtt-messages", numPartitions: 3 }] });
    await admin.disconnect();
    await c.endAsync();
    let remote = new Map<string, string[]>();
    const shipped = await waitFor(async () => count(remote = await readTopic(bootstrap, "m.mqtt-messages", true).catch(() => new Map())) >= 30, 60_000, 500);
    expect(shipped, edge.stderr().slice(-3000)).toBe(true);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
    expect(edge.stderr()).toMatch(/bridge: shipping to m\.mqtt-messages again/);
  });
});
