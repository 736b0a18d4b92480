// Bad upstreams give a clear status and log line, nothing is dropped, and ingest goes on.
// Upstreams: a second ledge process behind a proxy whose ApiVersions answers list no
// transaction APIs (a broker without transactions, as Azure Event Hubs is: the "transactions
// unsupported with delivery: exactly-once" case), and librdkafka's mock cluster (an upstream
// topic refused with createTopics off; two edges with one edgeId).
import { describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { startFaultProxy } from "../kafka/helpers/fault-proxy.ts";
import { decodeResponse, encodeResponse } from "../kafka/reference/codec.ts";
import { bridgeYaml, count, metric, mockUpstreamSuite, partitionSeries, publisher, publishSeries, readTopic, waitFor } from "./helpers.ts";

/** ApiVersions answers without AddPartitionsToTxn (24), AddOffsetsToTxn (25), EndTxn (26), TxnOffsetCommit (28). */
function withoutTransactionApis(apiKey: number, apiVersion: number, payload: Uint8Array): Uint8Array {
  if (apiKey !== 18) return payload;
  const { correlationId, body } = decodeResponse<{ apiKeys: Array<{ apiKey: number }> }>(18, apiVersion, payload);
  body.apiKeys = body.apiKeys.filter((k) => ![24, 25, 26, 28].includes(k.apiKey));
  return encodeResponse(18, apiVersion, correlationId, body);
}

const { upstream: mock, cleanups } = mockUpstreamSuite(3);

describe("bridge: bad upstream answers", () => {
  it("an upstream without transactions: a log line naming what to change, state 4, ingest unaffected, nothing shipped", { timeout: 120_000 }, async () => {
    // The proxy's port is what the upstream advertises, so every connection goes through it.
    let upstreamPort = 0;
    const proxy = await startFaultProxy(() => upstreamPort, -1, 0, withoutTransactionApis);
    cleanups.push(() => proxy.close());
    const up = await ledgeDirs("ledge-bridge-up-", `log: { autoCreateTopics: true }\nlisteners: { kafka: { advertisedPort: ${proxy.port} } }\n`);
    cleanups.push(up.remove);
    const upstream = await startLedge(up.args);
    upstreamPort = upstream.ports.kafka!;
    cleanups.push(async () => void upstream.child.kill("SIGKILL"));
    const edgeDirs = await ledgeDirs("ledge-bridge-bad-", `mqtt:\n  allowAnonymous: true\nbridge:\n  brokers: ["127.0.0.1:${proxy.port}"]\n  edgeId: edge-bad\n  backoffMsMax: 1s\n`);
    cleanups.push(edgeDirs.remove);
    const edge = await startLedge(edgeDirs.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "bad-1");
    await publishSeries(c, 0, 20);
    const said = await waitFor(async () => /bridge: state backing-off: .*does not support transactions.*bridge\.delivery/.test(edge.stderr()), 30_000);
    expect(said, edge.stderr()).toBe(true);
    await publishSeries(c, 20, 40); // ingest goes on while the bridge cannot ship
    await c.endAsync();
    // The lag counts what waits locally, updated at each retry while the upstream refuses.
    let metrics = "";
    const lagShown = await waitFor(async () => {
      metrics = await (await fetch(`http://127.0.0.1:${edge.ports.http}/metrics`)).text();
      return /^ledge_bridge_lag_records 40$/m.test(metrics);
    }, 15_000);
    expect(lagShown, metrics).toBe(true);
    expect(metrics).toMatch(/^ledge_bridge_state 4$/m);
    // Per partition too; the bytes hold at least the 40 values (status.lag.test.ts checks them exactly).
    const perPartition = (name: string) => [...partitionSeries(metrics, name, "mqtt-messages").values()];
    expect(perPartition("ledge_bridge_lag_records").reduce((a, b) => a + b, 0)).toBe(40);
    expect(perPartition("ledge_bridge_lag_records").length).toBeGreaterThan(0);
    const lagBytes = Number(/^ledge_bridge_lag_bytes (\S+)$/m.exec(metrics)?.[1]);
    expect(perPartition("ledge_bridge_lag_bytes").reduce((a, b) => a + b, 0)).toBe(lagBytes);
    expect(lagBytes).toBeGreaterThan(40 * '{"seq":0,"temp":20}'.length);
    expect(Math.max(...perPartition("ledge_bridge_lag_seconds"))).toBeGreaterThan(0);
    expect(count(await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false))).toBe(40);
    const shipped = await readTopic(`127.0.0.1:${upstream.ports.kafka}`, "mqtt-messages", false).catch(() => new Map());
    expect(count(shipped)).toBe(0);
  });

  // librdkafka 2.0.2's mock cluster speaks Metadata v0-2 only, which have no
  // allow_auto_topic_creation flag: it creates every topic a Metadata request names (with 4
  // partitions), and it has no CreateTopics or CreatePartitions. So a topic missing upstream
  // cannot happen there, and the operator's fix cannot be made there; the same refusal path
  // (a blocked topic, named with what to do) is shown with an upstream topic too small.
  it("createTopics: false and an upstream topic with too few partitions: a line naming it and what to do, nothing dropped, lag counted, ingest and other topics go on", { timeout: 180_000 }, async () => {
    const yaml = bridgeYaml(mock.bootstrap, "  createTopics: false\n  prefix: narrow.\n", "edge-narrow")
      .replace("  - { name: mqtt-messages, partitions: 3 }", "  - { name: mqtt-messages, partitions: 6 }\n  - { name: side, partitions: 2 }");
    const d = await ledgeDirs("ledge-bridge-narrow-", yaml);
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "narrow-1");
    await publishSeries(c, 0, 30);
    const said = /bridge: not shipping to narrow\.mqtt-messages: upstream topic narrow\.mqtt-messages has 4 partitions, the local one 6; partitioning: preserve needs at least as many upstream: add partitions upstream, or set bridge\.partitioning: key\. Its data stays in the local log; other topics go on/;
    expect(await waitFor(async () => said.test(edge.stderr()), 30_000), edge.stderr().slice(-3000)).toBe(true);
    await publishSeries(c, 30, 45); // ingest goes on
    await c.endAsync();
    const side = await kcat(["-b", `127.0.0.1:${edge.ports.kafka}`, "-P", "-t", "side", "-K", ":"], "a:1\nb:2\nc:3\n", 30_000);
    expect(side.code, side.stderr).toBe(0);
    // The other topic ships; the blocked one's records are all counted as waiting.
    expect(await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) === 3, 60_000), edge.stderr().slice(-3000)).toBe(true);
    expect(count(await readTopic(mock.bootstrap, "narrow.side", true))).toBe(3);
    let text = "";
    expect(await waitFor(async () => {
      text = await (await fetch(`http://127.0.0.1:${edge.ports.http}/metrics`)).text();
      return /^ledge_bridge_lag_records 45$/m.test(text);
    }, 15_000), text).toBe(true);
    expect([...partitionSeries(text, "ledge_bridge_lag_records", "mqtt-messages").values()].reduce((a, b) => a + b, 0)).toBe(45);
    expect([...partitionSeries(text, "ledge_bridge_lag_records", "mqtt-messages").keys()]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(text).toMatch(/^ledge_bridge_blocked_topics 1$/m);
    expect(edge.stderr()).toMatch(/bridge: state idle: .*, but for blocked upstream topics narrow\.mqtt-messages/);
    expect(count(await readTopic(mock.bootstrap, "narrow.mqtt-messages", true))).toBe(0);
    expect(count(await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false))).toBe(45);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
  });

  // Fencing needs an upstream that bumps the epoch of a transactional id on InitProducerId. The
  // mock cluster hands out a new producer id for every InitProducerId v0/v1 (the bridge's) and
  // keeps the old one valid, so the older edge is never fenced there: state 5 and its line cannot
  // be shown against it. What it shows: the newer edge reads the older one's cursors, says they
  // are past its own log, and delivers every record of its own.
  it("two edges with one edgeId: the newer one names the cursors it found past its log and delivers all its records", { timeout: 180_000 }, async () => {
    const older = await ledgeDirs("ledge-bridge-twin-a-", bridgeYaml(mock.bootstrap, "  prefix: twin.\n", "edge-twin"));
    const newer = await ledgeDirs("ledge-bridge-twin-b-", bridgeYaml(mock.bootstrap, "  prefix: twin.\n", "edge-twin"));
    cleanups.push(older.remove, newer.remove);
    const a = await startLedge(older.args);
    cleanups.push(async () => void a.child.kill("SIGKILL"));
    const ca = await publisher(a.ports.mqtt!, "twin-a");
    await publishSeries(ca, 0, 20);
    await ca.endAsync();
    expect(await waitFor(async () => (await metric(a.ports.http!, "ledge_bridge_shipped_records_total")) === 20, 60_000), a.stderr().slice(-3000)).toBe(true);
    const b = await startLedge(newer.args);
    cleanups.push(async () => void b.child.kill("SIGKILL"));
    // Publish once it has read the cursors (idle): it must not skip its own first records.
    expect(await waitFor(async () => (await metric(b.ports.http!, "ledge_bridge_state")) === 3, 30_000), b.stderr().slice(-3000)).toBe(true);
    expect(b.stderr()).toMatch(/bridge: upstream's cursor for mqtt-messages\/\d is offset \d+, past the local end 0 \(the local data was reset or the topic re-created\); shipping from offset 0/);
    const cb = await publisher(b.ports.mqtt!, "twin-b");
    await publishSeries(cb, 1000, 1030);
    await cb.endAsync();
    expect(await waitFor(async () => (await metric(b.ports.http!, "ledge_bridge_shipped_records_total")) === 30, 60_000), b.stderr().slice(-3000)).toBe(true);
    const remote = await readTopic(mock.bootstrap, "twin.mqtt-messages", true);
    const seqs = [...remote.values()].flat().map((l) => Number(/"seq":(\d+)/.exec(l)?.[1]));
    for (let i = 1000; i < 1030; i++) expect(seqs.filter((s) => s === i), `record ${i} of the newer edge upstream`).toHaveLength(1);
    for (let i = 0; i < 20; i++) expect(seqs, `record ${i} of the older edge upstream`).toContain(i);
    for (const e of [a, b]) {
      e.child.kill("SIGTERM");
      expect(await e.exited).toBe(0);
    }
  });
});
