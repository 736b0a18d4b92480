// bridge.delivery: idempotent end to end. Upstreams: librdkafka's mock cluster (3 brokers; it
// checks no sequences of producers without a transactional id, so it shows delivery and order, not
// deduplication) and a second ledge process (its Kafka listener keeps idempotent producers' state
// durably and refuses sequences that do not follow, as Kafka does). Upstream content is read back
// with kcat and compared with the edge's own log.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cp, rm, writeFile } from "node:fs/promises";
import { ledgeDirs, startLedge, type LedgeDirs, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { backgroundPublisher, bridgeYaml, count, expectSameBesidesAborted, metric, publisher, publishSeries, readTopic, sleep, startMockUpstream, waitFor, type MockUpstream } from "./helpers.ts";

let mock: MockUpstream;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  mock = await startMockUpstream(3);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await mock?.stop();
});

const idempotent = "  delivery: idempotent\n";

/** A ledge process as the upstream, on `kafkaPort` when given (a restart keeps its address). */
async function startLedgeUpstream(d: LedgeDirs, kafkaPort?: number): Promise<LedgeProcess> {
  const up = await startLedge(kafkaPort ? [...d.args, "--kafka-port", String(kafkaPort)] : d.args);
  cleanups.push(async () => void up.child.kill("SIGKILL"));
  return up;
}

/** Waits until the edge has shipped everything and upstream holds at least `expected` records,
 * then returns what it holds (read once the edge is caught up: kcat -e never ends on a partition
 * that keeps growing). */
async function waitForUpstream(bootstrap: string, topic: string, expected: number, edge: LedgeProcess): Promise<Map<string, string[]>> {
  const idle = 3; // ledge_bridge_state: caught up
  const caughtUp = await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_state")) === idle && (await metric(edge.ports.http!, "ledge_bridge_lag_records")) === 0, 120_000, 500);
  expect(caughtUp, `the edge did not catch up; its log:\n${edge.stderr().slice(-3000)}`).toBe(true);
  let records = new Map<string, string[]>();
  const arrived = await waitFor(async () => {
    records = await readTopic(bootstrap, topic, false);
    return count(records) >= expected;
  }, 30_000, 1000);
  expect(arrived, `upstream has ${count(records)} of ${expected} records; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
  await sleep(1500); // nothing more may come: a repeat would arrive now
  return readTopic(bootstrap, topic, false);
}

const seqOf = (line: string) => Number(/\{"seq":(\d+)/.exec(line)![1]);

describe("bridge.delivery: idempotent", () => {
  it("ships an MQTT stream to the mock cluster: every record once, in order per partition, no cursor topic upstream", { timeout: 120_000 }, async () => {
    const d = await ledgeDirs("ledge-bridge-idem-stream-", bridgeYaml(mock.bootstrap, `${idempotent}  prefix: idem.\n`, "edge-idem"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "idem-stream");
    await publishSeries(c, 0, 300);
    await c.endAsync();
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBe(300);
    const upstream = await waitForUpstream(mock.bootstrap, "idem.mqtt-messages", 300, edge);
    expectSameBesidesAborted(local, upstream, 0, () => edge.stderr().slice(-3000));
    // The counter follows the last acknowledgement once the bridge's round is done.
    expect(await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) === 300, 10_000, 100)).toBe(true);
    expect(await metric(edge.ports.http!, "ledge_bridge_possible_duplicates_total")).toBe(0);
    expect(await metric(edge.ports.http!, "ledge_bridge_transactions_total")).toBe(0);
    expect(edge.stderr()).toMatch(/bridge: state connecting: .* as an idempotent producer/);
    const listing = await kcat(["-b", mock.bootstrap, "-L"]);
    expect(listing.stdout).toMatch(/topic "idem.mqtt-messages"/);
    expect(listing.stdout).not.toMatch(/__ledge_bridge_cursors/);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
  });

  it("the edge SIGKILLed 5 times mid-stream, a ledge upstream: nothing lost, nothing repeated, possible duplicates 0", { timeout: 240_000 }, async () => {
    const u = await ledgeDirs("ledge-bridge-idem-up-", "topics:\n  - { name: mqtt-messages, partitions: 3 }\n");
    cleanups.push(u.remove);
    const up = await startLedgeUpstream(u);
    const bootstrap = `127.0.0.1:${up.ports.kafka}`;
    // A low rate cap keeps batches going out most of the time, so some random kills land
    // between a batch written down as in flight and its acknowledgement.
    const d = await ledgeDirs("ledge-bridge-idem-kill-", bridgeYaml(bootstrap, `${idempotent}  rateLimitBytesPerS: 16KiB\n`, "edge-idem-kill"));
    cleanups.push(d.remove);
    let next = 0;
    for (let i = 0; i < 5; i++) {
      const edge = await startLedge(d.args);
      const pub = backgroundPublisher(edge.ports.mqtt!, `idem-killer-${i}`, next);
      await waitFor(async () => pub.sent() >= next + 30, 30_000, 50);
      if (i % 2 === 0) {
        await sleep(Math.floor(Math.random() * 800));
        edge.child.kill("SIGKILL");
      } else {
        // The upstream takes batches it has not answered yet when the edge dies: the restarted
        // edge sends them again, and only their sequences keep upstream from storing them twice.
        up.child.kill("SIGSTOP");
        await sleep(1500);
        edge.child.kill("SIGKILL");
        up.child.kill("SIGCONT");
      }
      await edge.exited;
      next = await pub.stop();
    }
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBeGreaterThanOrEqual(5 * 30);
    const upstream = await waitForUpstream(bootstrap, "mqtt-messages", count(local), edge);
    const possible = await metric(edge.ports.http!, "ledge_bridge_possible_duplicates_total");
    expect(possible).toBe(0);
    // Resent batches did reach the upstream twice, and it kept one copy of each.
    expect(await metric(up.ports.http!, "ledge_log_duplicate_batches_total")).toBeGreaterThan(0);
    expectSameBesidesAborted(local, upstream, possible, () => edge.stderr().slice(-3000));
    edge.child.kill("SIGTERM");
    await edge.exited;
  });

  it("a ledge upstream restored from an older copy refuses the sequences (OUT_OF_ORDER_SEQUENCE_NUMBER): a new producer id resends from the local cursors, the in-flight window counted", { timeout: 240_000 }, async () => {
    const u = await ledgeDirs("ledge-bridge-idem-restore-", "topics:\n  - { name: mqtt-messages, partitions: 3 }\n");
    cleanups.push(u.remove);
    const backup = `${u.dataDir}.backup`;
    cleanups.push(() => rm(backup, { recursive: true, force: true }));
    let up = await startLedgeUpstream(u);
    const port = up.ports.kafka!;
    const bootstrap = `127.0.0.1:${port}`;
    const d = await ledgeDirs("ledge-bridge-idem-forgot-", bridgeYaml(bootstrap, `${idempotent}  requestTimeoutMs: 2s\n`, "edge-idem-forgot"));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "idem-forgot");
    await publishSeries(c, 0, 60);
    await waitForUpstream(bootstrap, "mqtt-messages", 60, edge);
    // The upstream's backup: its data and producer state as of record 59.
    up.child.kill("SIGTERM");
    await up.exited;
    await cp(u.dataDir, backup, { recursive: true });
    up = await startLedgeUpstream(u, port);
    await publishSeries(c, 60, 120);
    await waitForUpstream(bootstrap, "mqtt-messages", 120, edge);
    // Batches go out while the upstream is stopped: sent, never acknowledged (the window).
    up.child.kill("SIGSTOP");
    const backingOff = (edge.stderr().match(/bridge: state backing-off/g) ?? []).length;
    await publishSeries(c, 120, 150);
    expect(await waitFor(async () => (edge.stderr().match(/bridge: state backing-off/g) ?? []).length > backingOff, 30_000, 200), edge.stderr().slice(-3000)).toBe(true);
    // The upstream is lost and restored from its backup: it forgot records 60-119 and the
    // producer's sequences past record 59.
    up.child.kill("SIGKILL");
    await up.exited;
    await rm(u.dataDir, { recursive: true, force: true });
    await cp(backup, u.dataDir, { recursive: true });
    up = await startLedgeUpstream(u, port);
    await publishSeries(c, 150, 180);
    await c.endAsync();
    expect(await waitFor(async () => /no longer knows producer id/.test(edge.stderr()), 60_000, 500), edge.stderr().slice(-3000)).toBe(true);
    expect(edge.stderr()).toMatch(/OUT_OF_ORDER_SEQUENCE_NUMBER for mqtt-messages\/\d.*Taking a new producer id and resending from the local cursors \(nothing is lost\); \d+ records sent but not acknowledged under the old one may now be stored twice upstream/);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBe(180);
    // What the edge still has to give: all but what the restore took from the upstream.
    const expected = new Map([...local].map(([p, lines]) => [p, lines.filter((l) => seqOf(l) < 60 || seqOf(l) >= 120)]));
    const upstream = await waitForUpstream(bootstrap, "mqtt-messages", 120, edge);
    const possible = await metric(edge.ports.http!, "ledge_bridge_possible_duplicates_total");
    // The window: batches of records 120-149, sent to the stopped upstream and resent to the
    // restored one, which refused them; only they may repeat, and every one is counted.
    expect(possible).toBeGreaterThan(0);
    expect(possible).toBeLessThanOrEqual(30);
    expect(Number(/(\d+) records sent but not acknowledged/.exec(edge.stderr())![1])).toBe(possible);
    expectSameBesidesAborted(expected, upstream, possible, () => edge.stderr().slice(-3000));
    edge.child.kill("SIGTERM");
    await edge.exited;
  });

  it("the upstream replaced by another cluster (a new mock, another cluster id): a new producer id, the in-flight window counted, the rest shipped there", { timeout: 180_000 }, async () => {
    const first = await startMockUpstream(1);
    cleanups.push(() => first.stop());
    const d = await ledgeDirs("ledge-bridge-idem-cluster-", bridgeYaml(first.bootstrap, `${idempotent}  requestTimeoutMs: 2s\n`, "edge-idem-cluster"));
    cleanups.push(d.remove);
    let edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "idem-cluster");
    await publishSeries(c, 0, 30);
    await waitForUpstream(first.bootstrap, "mqtt-messages", 30, edge);
    // Batches of records 30-59 go to a stopped upstream: sent, never acknowledged.
    first.child.kill("SIGSTOP");
    const backingOff = (edge.stderr().match(/bridge: state backing-off/g) ?? []).length;
    await publishSeries(c, 30, 60);
    await c.endAsync();
    expect(await waitFor(async () => (edge.stderr().match(/bridge: state backing-off/g) ?? []).length > backingOff, 30_000, 200), edge.stderr().slice(-3000)).toBe(true);
    edge.child.kill("SIGKILL");
    await edge.exited;
    await first.stop();
    // The edge comes back pointed at a new, empty cluster.
    const second = await startMockUpstream(1);
    cleanups.push(() => second.stop());
    await writeFile(d.configFile, bridgeYaml(second.bootstrap, `${idempotent}  requestTimeoutMs: 2s\n`, "edge-idem-cluster"));
    edge = await startLedge(d.args);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    expect(count(local)).toBe(60);
    const upstream = await waitForUpstream(second.bootstrap, "mqtt-messages", 30, edge);
    expect(edge.stderr()).toMatch(/upstream at \S+ is now Kafka cluster (\S+), not cluster (\S+) that this edge shipped to before .*goes on with the new cluster from the local cursors/);
    expect(edge.stderr()).toMatch(/cluster \S+ knows nothing of producer id \d+, which came from cluster \S+\. Taking a new producer id/);
    expect(await metric(edge.ports.http!, "ledge_bridge_upstream_replaced_total")).toBe(1);
    const possible = await metric(edge.ports.http!, "ledge_bridge_possible_duplicates_total");
    expect(possible).toBeGreaterThan(0);
    expect(possible).toBeLessThanOrEqual(30);
    expect(Number(/(\d+) records sent but not acknowledged/.exec(edge.stderr())![1])).toBe(possible);
    // What the first cluster acknowledged is not sent again; the rest arrives once, in order.
    const expected = new Map([...local].map(([p, lines]) => [p, lines.filter((l) => seqOf(l) >= 30)]));
    expectSameBesidesAborted(expected, upstream, possible, () => edge.stderr().slice(-3000));
    edge.child.kill("SIGTERM");
    await edge.exited;
  });
});
