// SIGHUP reloads the config of a running bin/ledge: MQTT routes, pipelines and the bridge change
// while MQTT.js and kafkajs clients stay connected (the same connections publish and get acks
// before and after: no close, no reconnect); an invalid file changes nothing and its error is
// logged; keys only a restart applies are named and left as they were.
import { afterAll, describe, expect, it } from "vitest";
import { writeFile } from "node:fs/promises";
import { Kafka, logLevel } from "kafkajs";
import type { MqttClient } from "mqtt";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { count, expectSameBesidesAborted, metric, publisher, publishSeries, readTopic, sleep, startMockUpstream, waitFor, type MockUpstream } from "../bridge/helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function started(d: LedgeDirs): Promise<LedgeProcess> {
  const ledge = await startLedge(d.args);
  cleanups.push(async () => void ledge.child.kill("SIGKILL"));
  return ledge;
}

/** A ledge on `yaml` (in a fresh directory) with one MQTT.js publisher connected, its drops counted. */
async function withPublisher(prefix: string, yaml: string) {
  const d = await ledgeDirs(prefix, yaml);
  cleanups.push(d.remove);
  const ledge = await started(d);
  const pub = await publisher(ledge.ports.mqtt!, `${prefix}pub`);
  cleanups.push(async () => void pub.end(true));
  return { d, ledge, pub, conn: watchConnection(pub) };
}

/** Sends SIGHUP and waits for the reload's outcome line (the `n`-th since start); returns the log since `from`. */
async function reload(ledge: LedgeProcess, n: number): Promise<string> {
  const from = ledge.stderr().length;
  ledge.child.kill("SIGHUP");
  const outcome = /config reloaded:|config reload refused/g;
  const done = await waitFor(async () => (ledge.stderr().match(outcome)?.length ?? 0) >= n, 20_000, 50);
  expect(done, `no reload outcome in the log:\n${ledge.stderr().slice(-2000)}`).toBe(true);
  return ledge.stderr().slice(from);
}

async function records(ledge: LedgeProcess, topic: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/${topic}`);
  if (res.status === 404) return 0;
  return ((await res.json()) as { records: number }).records;
}

/** Counts every way an MQTT.js client can lose its connection. */
function watchConnection(client: MqttClient): { drops: () => number } {
  let drops = 0;
  for (const event of ["close", "offline", "reconnect", "disconnect"] as const) client.on(event, () => drops++);
  return { drops: () => drops };
}

/** An MQTT.js client subscribed to `filter` at QoS 1, what it receives as "topic payload" lines. */
async function subscriber(ledge: LedgeProcess, clientId: string, filter: string) {
  const client = await publisher(ledge.ports.mqtt!, clientId);
  cleanups.push(async () => void client.end(true));
  const conn = watchConnection(client);
  const received: string[] = [];
  client.on("message", (topic, payload) => received.push(`${topic} ${payload}`));
  await client.subscribeAsync(filter, { qos: 1 });
  return { conn, received };
}

const routesTo = (topic: string) => `mqtt:\n  allowAnonymous: true\n  routes:\n    - { filter: "sensors/#", topic: ${topic} }\n`;
const pipelineYaml = [
  "pipelines:",
  "  - name: avg1s",
  "    from: telemetry-b",
  "    key: topic[1]",
  "    time: ts",
  "    fields: [t]",
  "    window: { type: tumbling, size: 1s }",
  "    aggregates: [count, avg]",
  "    to: avg1s-out",
].join("\n") + "\n";

describe("SIGHUP config reload", () => {
  it("adds a pipeline and changes a route while MQTT and Kafka clients stay connected; restart-only keys are named", { timeout: 120_000 }, async () => {
    const { d, ledge, pub, conn: pubConn } = await withPublisher("ledge-reload-", routesTo("telemetry-a"));
    const { conn: subConn, received } = await subscriber(ledge, "reload-sub", "sensors/#");
    // A shared subscription (one group cursor per log partition) follows the routes too.
    const { conn: memberConn, received: shared } = await subscriber(ledge, "reload-share", "$share/g/sensors/#");
    const kafka = new Kafka({ clientId: "reload-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const producer = kafka.producer({ allowAutoTopicCreation: true });
    let kafkaDisconnects = 0;
    producer.on(producer.events.DISCONNECT, () => kafkaDisconnects++);
    await producer.connect();
    cleanups.push(() => producer.disconnect());

    await pub.publishAsync("sensors/d1/t", '{"ts":1000,"t":1}', { qos: 1 });
    await producer.send({ topic: "from-kafka", acks: -1, messages: [{ value: "before" }] });
    expect(await records(ledge, "telemetry-a")).toBe(1);

    await writeFile(d.configFile, routesTo("telemetry-b") + pipelineYaml + "storage: { sync: interval }\nlog: { topicCountMax: 500 }\n");
    const log = await reload(ledge, 1);
    expect(log).toMatch(/config reloaded: mqtt\.routes swapped \(1 routes\); pipeline avg1s added/);
    expect(log).toMatch(/needs a restart: storage\.sync, log\.topicCountMax \(left unchanged until ledge restarts\)/);

    // The same connections: QoS 1 acks keep coming, now for the new route's topic.
    await pub.publishAsync("sensors/d1/t", '{"ts":1500,"t":3}', { qos: 1 });
    await pub.publishAsync("sensors/d1/t", '{"ts":2500,"t":9}', { qos: 1 }); // closes [1000, 2000)
    await producer.send({ topic: "from-kafka", acks: -1, messages: [{ value: "after" }] });
    expect(await records(ledge, "telemetry-a")).toBe(1);
    expect(await records(ledge, "telemetry-b")).toBe(2);
    expect(await records(ledge, "from-kafka")).toBe(2);
    // The pipeline added by the reload runs: one window result, from the records after it.
    expect(await waitFor(async () => (await records(ledge, "avg1s-out")) === 1, 20_000, 100)).toBe(true);
    // The subscriber connected before the reload gets what the new route stores.
    expect(await waitFor(async () => received.length === 3, 10_000, 50)).toBe(true);
    expect(received.slice(1)).toEqual(['sensors/d1/t {"ts":1500,"t":3}', 'sensors/d1/t {"ts":2500,"t":9}']);
    expect(await waitFor(async () => shared.length === 3, 10_000, 50)).toBe(true);
    expect(shared).toEqual(received);
    expect(memberConn.drops()).toBe(0);
    expect(pubConn.drops()).toBe(0);
    expect(subConn.drops()).toBe(0);
    expect(kafkaDisconnects).toBe(0);
    expect(await metric(ledge.ports.http!, "ledge_mqtt_connections")).toBe(3);

    // A new output topic keeps what the checkpoint means: the pipeline resumes from it, so the
    // window [2000, 3000) it holds open closes into the new topic, and nothing is written twice.
    await writeFile(d.configFile, routesTo("telemetry-b") + pipelineYaml.replace("to: avg1s-out", "to: avg1s-next"));
    expect(await reload(ledge, 2)).toMatch(/config reloaded: pipeline avg1s changed \(resumed from its checkpoint\)/);
    await pub.publishAsync("sensors/d1/t", '{"ts":3500,"t":5}', { qos: 1 });
    expect(await waitFor(async () => (await records(ledge, "avg1s-next")) === 1, 20_000, 100)).toBe(true);
    await sleep(300);
    expect(await records(ledge, "avg1s-out")).toBe(1);
    expect(await records(ledge, "avg1s-next")).toBe(1);
    // A changed window size does not fit the checkpoint: started afresh (from the earliest record).
    await writeFile(d.configFile, routesTo("telemetry-b") + pipelineYaml.replace("size: 1s", "size: 2s").replace("to: avg1s-out", "to: avg1s-next"));
    expect(await reload(ledge, 3)).toMatch(/config reloaded: pipeline avg1s changed \(started afresh: its checkpoint no longer fits\)/);

    // Removing the pipeline stops it; the storage key still needs a restart, named again.
    await writeFile(d.configFile, routesTo("telemetry-b") + "storage: { sync: interval }\n");
    const second = await reload(ledge, 4);
    expect(second).toMatch(/config reloaded: pipeline avg1s removed/);
    expect(second).toMatch(/needs a restart: storage\.sync \(/);
    const listed = (await (await fetch(`http://127.0.0.1:${ledge.ports.http}/api/pipelines`)).json()) as unknown[];
    expect(listed).toEqual([]);

    // The topic no longer routed is let go: deleted, it stays deleted (a routed one is re-created).
    expect((await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/telemetry-a`, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/telemetry-b`, { method: "DELETE" })).status).toBe(200);
    expect(await waitFor(async () => (await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/telemetry-b`)).status === 200, 10_000, 50)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/telemetry-a`)).status).toBe(404);
  });

  it("keeps the running config when the file is invalid, and logs the key, the bad value and the expected form", { timeout: 60_000 }, async () => {
    const { d, ledge, pub, conn } = await withPublisher("ledge-reload-bad-", routesTo("telemetry-a"));
    await pub.publishAsync("sensors/d1/t", "1", { qos: 1 });

    await writeFile(d.configFile, routesTo("telemetry-b") + pipelineYaml.replace("size: 1s", "size: banana"));
    const bad = await reload(ledge, 1);
    expect(bad).toMatch(/config reload refused, still running the previous config: config key 'pipelines\[0\]\.window\.size' must be a duration in ms .* found "banana"/);
    expect(bad).not.toMatch(/config reloaded/);
    await writeFile(d.configFile, "mqtt: [not, a, mapping\n");
    expect(await reload(ledge, 2)).toMatch(/config reload refused, still running the previous config: config key '--config' must be valid YAML/);
    // Files the new config names are read before anything changes, too.
    await writeFile(d.configFile, `${routesTo("telemetry-b")}bridge:\n  brokers: ["127.0.0.1:1"]\n  sasl: { mechanism: PLAIN, username: u, passwordFile: ${d.dataDir}/no-such-file }\n`);
    expect(await reload(ledge, 3)).toMatch(/config reload refused, still running the previous config: config key 'bridge\.sasl\.passwordFile' must be a readable file/);

    await pub.publishAsync("sensors/d1/t", "2", { qos: 1 });
    expect(await records(ledge, "telemetry-a")).toBe(2);
    expect(await records(ledge, "telemetry-b")).toBe(0);
    expect(((await (await fetch(`http://127.0.0.1:${ledge.ports.http}/api/pipelines`)).json()) as unknown[])).toEqual([]);
    expect(conn.drops()).toBe(0);
    // Still alive and reloadable: a fixed file applies.
    await writeFile(d.configFile, routesTo("telemetry-b"));
    expect(await reload(ledge, 4)).toMatch(/config reloaded: mqtt\.routes swapped/);
    await pub.publishAsync("sensors/d1/t", "3", { qos: 1 });
    expect(await records(ledge, "telemetry-b")).toBe(1);
  });
});

describe("SIGHUP config reload: the bridge", () => {
  let mock: MockUpstream;
  let other: MockUpstream;
  afterAll(async () => {
    await mock?.stop();
    await other?.stop();
  });

  it("restarts the bridge on a changed setting (every record upstream once) and on another upstream (all of it shipped there once), the publisher connected throughout", { timeout: 180_000 }, async () => {
    [mock, other] = await Promise.all([startMockUpstream(1), startMockUpstream(1)]);
    const bridge = (extra: string, upstream = mock) => `${routesTo("mqtt-messages")}topics:\n  - { name: mqtt-messages, partitions: 3 }\nbridge:\n  brokers: ["${upstream.bootstrap}"]\n  edgeId: edge-reload\n  prefix: r.\n  backoffMsMax: 2s\n${extra}`;
    const { d, ledge: edge, pub, conn } = await withPublisher("ledge-reload-bridge-", bridge(""));
    await publishSeries(pub, 0, 200);
    // A reload while the bridge ships (and the publisher goes on through it).
    const publishing = publishSeries(pub, 200, 600);
    await sleep(200);
    await writeFile(d.configFile, bridge("  transactionMsMax: 200ms\n"));
    expect(await reload(edge, 1)).toMatch(/config reloaded: bridge restarted \(bridge\.transactionMsMax\)/);
    await publishing;
    expect(conn.drops()).toBe(0);
    expect(edge.stderr()).toMatch(/bridge: state stopped: the config was reloaded/);

    const caughtUp = () => waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_state")) === 3 && (await metric(edge.ports.http!, "ledge_bridge_lag_records")) === 0, 120_000, 500);
    expect(await caughtUp(), edge.stderr().slice(-3000)).toBe(true);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBe(600);
    expectSameBesidesAborted(local, await readTopic(mock.bootstrap, "r.mqtt-messages", true), 0, () => edge.stderr().slice(-3000));

    // Another upstream cluster: it holds no cursor for this edge, so the new bridge ships all of it
    // there, once; the first upstream gets nothing more.
    await writeFile(d.configFile, bridge("  transactionMsMax: 200ms\n", other));
    expect(await reload(edge, 2)).toMatch(/config reloaded: bridge restarted \(bridge\.brokers\)/);
    expect(await caughtUp(), edge.stderr().slice(-3000)).toBe(true);
    expect(await waitFor(async () => count(await readTopic(other.bootstrap, "r.mqtt-messages", true)) >= 600, 60_000, 1000)).toBe(true);
    expectSameBesidesAborted(local, await readTopic(other.bootstrap, "r.mqtt-messages", true), 0, () => edge.stderr().slice(-3000));
    expectSameBesidesAborted(local, await readTopic(mock.bootstrap, "r.mqtt-messages", true), 0, () => edge.stderr().slice(-3000));
    expect(conn.drops()).toBe(0);
  });
});
