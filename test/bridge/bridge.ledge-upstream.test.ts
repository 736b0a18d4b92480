// The bridge to a second ledge as its upstream (topics prefixed: that ledge has an MQTT
// mqtt-messages topic of its own): Kafka transactions there hide what an aborted or
// unfinished upstream transaction carried (librdkafka's mock cluster cannot), so "exactly once"
// is checked as it is meant: the edge SIGKILLed mid-transaction again and again, and the
// upstream killed and restarted on its data, and a read_committed reader upstream sees every
// local record once, in order per partition, with key, value, headers and timestamp, and
// nothing else.
import { afterAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { backgroundPublisher, bridgeYaml, count, readTopic, sleep, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

async function startUpstream(args: string[], kafkaPort?: number): Promise<LedgeProcess> {
  const up = await startLedge(kafkaPort === undefined ? args : [...args, "--kafka-port", String(kafkaPort)]);
  cleanups.push(async () => void up.child.kill("SIGKILL"));
  return up;
}

describe("bridge to a ledge upstream (Kafka transactions upstream)", () => {
  it("the edge SIGKILLed 10 times mid-stream, the upstream killed twice, and both at once twice: every record exactly once upstream at read_committed", { timeout: 300_000 }, async () => {
    const up = await ledgeDirs("ledge-upstream-", "log: { autoCreateTopics: true }\n");
    cleanups.push(up.remove);
    let upstream = await startUpstream(up.args);
    const upstreamPort = upstream.ports.kafka!;
    const bootstrap = `127.0.0.1:${upstreamPort}`;
    const d = await ledgeDirs("ledge-edge-to-ledge-", bridgeYaml(bootstrap, "  rateLimitBytesPerS: 16KiB\n  transactionMsMax: 1s\n  requestTimeoutMs: 3s\n  prefix: edge-l.\n", "edge-l"));
    cleanups.push(d.remove);
    let next = 0;
    for (let i = 0; i < 10; i++) {
      const edge = await startLedge(d.args);
      const pub = backgroundPublisher(edge.ports.mqtt!, `to-ledge-${i}`, next);
      await waitFor(async () => pub.sent() >= next + 30, 30_000, 50);
      const bothAtOnce = i === 5 || i === 8;
      if (i === 1 || i === 3) {
        // The upstream dies too, and comes back on the same data and port.
        upstream.child.kill("SIGKILL");
        await upstream.exited;
        await sleep(300);
        upstream = await startUpstream(up.args, upstreamPort);
      }
      await sleep(Math.floor(Math.random() * 800));
      edge.child.kill("SIGKILL");
      if (bothAtOnce) upstream.child.kill("SIGKILL"); // a power cut takes both
      await edge.exited;
      next = await pub.stop();
      if (bothAtOnce) {
        await upstream.exited;
        upstream = await startUpstream(up.args, upstreamPort);
      }
    }
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBeGreaterThanOrEqual(300);
    let remote = new Map<string, string[]>();
    const arrived = await waitFor(async () => {
      remote = await readTopic(bootstrap, "edge-l.mqtt-messages", true);
      return count(remote) >= count(local);
    }, 150_000, 1000);
    expect(arrived, `upstream has ${count(remote)} of ${count(local)}; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
    await sleep(1500); // a duplicate would show now
    remote = await readTopic(bootstrap, "edge-l.mqtt-messages", true);
    expect(count(remote)).toBe(count(local));
    for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
    // read_uncommitted upstream may hold more (aborted transactions' data); read_committed not.
    const all = await readTopic(bootstrap, "edge-l.mqtt-messages", false);
    expect(count(all)).toBeGreaterThanOrEqual(count(local));
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
  });

  it("ships local Kafka transactions' committed data only: aborted data and markers never leave the edge, open ones wait", { timeout: 120_000 }, async () => {
    const up = await ledgeDirs("ledge-upstream-txn-", "log: { autoCreateTopics: true }\n");
    cleanups.push(up.remove);
    const upstream = await startUpstream(up.args);
    const bootstrap = `127.0.0.1:${upstream.ports.kafka}`;
    const d = await ledgeDirs("ledge-edge-txn-", bridgeYaml(bootstrap, "  prefix: edge-t.\n", "edge-t").replace("topics:\n", "topics:\n  - { name: app, partitions: 1 }\n"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const kafka = new Kafka({ clientId: "edge-app", brokers: [`127.0.0.1:${edge.ports.kafka}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: "edge-app", idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      const t1 = await producer.transaction();
      await t1.send({ topic: "app", messages: [{ value: "kept-1" }, { value: "kept-2" }] });
      await t1.commit();
      const t2 = await producer.transaction();
      await t2.send({ topic: "app", messages: [{ value: "dropped" }] });
      await t2.abort();
      const t3 = await producer.transaction();
      await t3.send({ topic: "app", messages: [{ value: "pending" }] });
      // t3 stays open: nothing behind its first offset may ship yet.
      const shipped = await waitFor(async () => count(await readTopic(bootstrap, "edge-t.app", false).catch(() => new Map<string, string[]>())) >= 2, 30_000, 500);
      expect(shipped, edge.stderr().slice(-2000)).toBe(true);
      await sleep(1500);
      const values = async () => [...(await readTopic(bootstrap, "edge-t.app", false)).values()].flat().map((l) => l.split("\t")[2]);
      expect(await values()).toEqual(["kept-1", "kept-2"]); // read_uncommitted upstream: the aborted never went
      await t3.commit();
      await waitFor(async () => (await values()).length >= 3, 30_000, 500);
      expect(await values()).toEqual(["kept-1", "kept-2", "pending"]);
    } finally {
      await producer.disconnect();
    }
  });
});

