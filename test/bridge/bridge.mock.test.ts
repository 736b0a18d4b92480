// The bridge end to end against an independent upstream (librdkafka's mock cluster, 3 brokers,
// transactions): MQTT in at the edge, read back upstream with kcat at read_committed. Every local
// record must arrive exactly once, in order per partition, with its key, value, headers and
// timestamp, whatever happens to the edge (SIGKILL) or the upstream (SIGSTOP/SIGCONT) meanwhile.
import { describe, expect, it } from "vitest";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { open } from "lmdb";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bridgeYaml, count, expectSameBesidesAborted, metric, mockUpstreamSuite, partitionSeries, publisher, publishSeries, readTopic, sleep, waitFor } from "./helpers.ts";

const { upstream, cleanups } = mockUpstreamSuite(3);

/** Waits until upstream (read_committed) holds as many records as the edge, then compares them. */
async function expectDeliveredExactlyOnce(edge: LedgeProcess, topic: string, expected: number): Promise<void> {
  const local = `127.0.0.1:${edge.ports.kafka}`;
  const localRecords = await readTopic(local, topic, false);
  expect(count(localRecords)).toBe(expected);
  for (const lines of localRecords.values()) for (const l of lines) expect(l).toMatch(/\tsensors\/d\d\/t\t\{"seq":\d+.*\t\d{13}\t.*seq=\d+/);
  let upstreamRecords = new Map<string, string[]>();
  const arrived = await waitFor(async () => {
    upstreamRecords = await readTopic(upstream.bootstrap, topic, true);
    return count(upstreamRecords) >= expected;
  }, 60_000, 1000);
  expect(arrived, `upstream has ${count(upstreamRecords)} of ${expected} records; edge log:\n${edge.stderr().slice(-3000)}`).toBe(true);
  await sleep(1500); // nothing more may come: a duplicate would arrive now
  upstreamRecords = await readTopic(upstream.bootstrap, topic, true);
  const aborted = await metric(edge.ports.http!, "ledge_bridge_aborted_records_total");
  expectSameBesidesAborted(localRecords, upstreamRecords, aborted, () => `edge log:\n${edge.stderr().slice(-3000)}`);
}

describe("bridge to librdkafka's mock cluster (3 brokers, exactly once)", () => {
  it("delivers an MQTT stream: every record once, in order per partition, key/value/headers/timestamp intact", { timeout: 120_000 }, async () => {
    const d = await ledgeDirs("ledge-bridge-stream-", bridgeYaml(upstream.bootstrap));
    cleanups.push(d.remove);
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const c = await publisher(edge.ports.mqtt!, "stream-1");
    await publishSeries(c, 0, 300);
    await c.endAsync();
    await expectDeliveredExactlyOnce(edge, "mqtt-messages", 300);
    const metrics = await (await fetch(`http://127.0.0.1:${edge.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/^ledge_bridge_lag_records 0$/m);
    expect(metrics).toMatch(/^ledge_bridge_lag_bytes 0$/m);
    for (const name of ["ledge_bridge_lag_records", "ledge_bridge_lag_bytes", "ledge_bridge_lag_seconds"]) {
      expect([...partitionSeries(metrics, name, "mqtt-messages")], name).toEqual([[0, 0], [1, 0], [2, 0]]);
    }
    expect(metrics).toMatch(/^ledge_bridge_shipped_records_total 300$/m);
    expect(metrics).toMatch(/^ledge_bridge_state 3$/m);
    // The cursors upstream say where each partition stands, in the same transactions as the data.
    const cursors = await readTopic(upstream.bootstrap, "__ledge_bridge_cursors", true);
    const last = new Map<string, string>();
    for (const lines of cursors.values()) for (const l of lines) last.set(l.split("\t")[1], l.split("\t")[2]);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
    for (const [p, lines] of local) expect(last.get(`edge-test/mqtt-messages/${p}`)).toBe(String(lines.length));
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
  });

  it("a stored batch damaged on disk is named and its topic held back, not shipped; ingest goes on", { timeout: 120_000 }, async () => {
    const d = await ledgeDirs("ledge-bridge-corrupt-", "mqtt:\n  allowAnonymous: true\ntopics:\n  - { name: mqtt-messages, partitions: 3 }\n");
    cleanups.push(d.remove);
    const first = await startLedge(d.args);
    const c = await publisher(first.ports.mqtt!, "corrupt-1");
    await publishSeries(c, 0, 30);
    await c.endAsync();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    // Flip the last byte of every stored batch (inside the records, covered by the CRC).
    const env = open({ path: join(d.dataDir, "ledge.mdb"), maxDbs: 64 });
    const batches = env.openDB<Buffer, Buffer>({ name: "batches", keyEncoding: "binary", encoding: "binary" });
    let flipped = 0;
    for (const { key, value } of [...batches.getRange()].map(({ key, value }) => ({ key: Buffer.from(key), value: Buffer.from(value) }))) {
      value[value.length - 1] ^= 0xff;
      await batches.put(key, value);
      flipped++;
    }
    await env.close();
    expect(flipped).toBeGreaterThan(0);
    await writeFile(d.configFile, bridgeYaml(upstream.bootstrap, "  prefix: corrupt.\n", "edge-corrupt"));
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    expect(await waitFor(async () => /fails its CRC check.*run ledge verify/.test(edge.stderr()), 30_000), edge.stderr().slice(-3000)).toBe(true);
    const late = await publisher(edge.ports.mqtt!, "corrupt-2");
    await late.publishAsync("after/damage", "still-ingested", { qos: 1 });
    await late.endAsync();
    expect(count(await readTopic(upstream.bootstrap, "corrupt.mqtt-messages", true))).toBe(0);
    edge.child.kill("SIGTERM");
    expect(await edge.exited).toBe(0);
  });
});
