// Real peers for the bridge tests: librdkafka's mock cluster as the upstream (a kcat process:
// SIGSTOP/SIGCONT it to take the upstream away and give it back with its data), kcat as the
// independent reader, MQTT.js as the device side.
import { connectAsync, type MqttClient } from "mqtt";
import { afterAll, beforeAll, expect } from "vitest";
import { kcat, startMockCluster, type MockCluster } from "../kafka/helpers/kcat.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { metricValue } from "../helpers/ledge-process.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type MockUpstream = MockCluster;

/** A librdkafka mock cluster of `brokers` brokers (three exercise leader discovery). */
export const startMockUpstream = (brokers = 3, readyMs = 15_000): Promise<MockUpstream> => startMockCluster(brokers, readyMs);

/** Records of `topic` as "partition\tkey\tvalue\ttimestamp\theaders" lines, by partition, in order. */
export async function readTopic(bootstrap: string, topic: string, readCommitted: boolean): Promise<Map<string, string[]>> {
  const args = ["-b", bootstrap, "-C", "-t", topic, "-e", "-q", "-o", "beginning", "-f", "%p\t%k\t%s\t%T\t%h\n"];
  if (readCommitted) args.push("-X", "isolation.level=read_committed");
  const r = await kcat(args, undefined, 60_000);
  if (r.code !== 0) throw new Error(`kcat -C ${topic} at ${bootstrap} failed (${r.code}): ${r.stderr.slice(-1000)}`);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.split("\n")) {
    if (!line) continue;
    const p = line.split("\t")[0];
    (out.get(p) ?? out.set(p, []).get(p)!).push(line);
  }
  return out;
}

export function count(byPartition: Map<string, string[]>): number {
  let n = 0;
  for (const lines of byPartition.values()) n += lines.length;
  return n;
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}

/** An MQTT 5 publisher whose messages carry a user property, so records have headers. */
export async function publisher(port: number, clientId: string): Promise<MqttClient> {
  return connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId, reconnectPeriod: 0, connectTimeout: 10_000 });
}

export async function publishSeries(client: MqttClient, from: number, to: number, devices = 6): Promise<void> {
  for (let i = from; i < to; i++) {
    await client.publishAsync(`sensors/d${i % devices}/t`, `{"seq":${i},"temp":${20 + (i % 10)}}`, { qos: 1, properties: { userProperties: { seq: String(i) } } });
  }
}

export function bridgeYaml(bootstrap: string, extra = "", edgeId = "edge-test"): string {
  return [
    "mqtt:", "  allowAnonymous: true",
    "topics:", "  - { name: mqtt-messages, partitions: 3 }",
    "bridge:", `  brokers: [${bootstrap.split(",").map((b) => `"${b}"`).join(", ")}]`, `  edgeId: ${edgeId}`, "  backoffMsMax: 2s",
    extra,
  ].join("\n") + "\n";
}

/** One /metrics value of a running ledge (NaN when absent, so a missing metric fails a comparison). */
export const metric = (httpPort: number, name: string): Promise<number> => metricValue(httpPort, name, NaN);

/** The series of a labelled metric for one topic's partitions, in /metrics text: partition → value. */
export function partitionSeries(metricsText: string, name: string, topic: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of metricsText.matchAll(new RegExp(`^${name}\\{topic="${topic.replace(/\./g, "\\.")}",partition="(\\d+)"\\} (\\S+)$`, "gm"))) out.set(Number(m[1]), Number(m[2]));
  return out;
}

/**
 * Upstream holds the edge's records exactly once, in order per partition, allowing for what the
 * bridge aborted: librdkafka 2.0.2's mock cluster writes no transaction markers and shows aborted
 * records to read_committed readers, so a transaction aborted on a loaded machine (a request that
 * timed out) stays visible there. The bridge counts what it sent in such transactions
 * (ledge_bridge_aborted_records_total): upstream may hold at most that many repeats, and with
 * repeats removed it must equal the edge. With none aborted it must equal it as is.
 */
export function expectSameBesidesAborted(local: Map<string, string[]>, upstream: Map<string, string[]>, aborted: number, context: () => string): void {
  const repeats = count(upstream) - count(local);
  expect(repeats, `upstream holds ${repeats} records more than the edge, the bridge aborted ${aborted}; ${context()}`).toBeLessThanOrEqual(aborted);
  expect(repeats, `upstream lacks records; ${context()}`).toBeGreaterThanOrEqual(0);
  for (const [partition, lines] of local) expect([...new Set(upstream.get(partition))], `partition ${partition}`).toEqual(lines);
  for (const partition of upstream.keys()) expect(local.has(partition), `upstream partition ${partition} the edge never wrote`).toBe(true);
}

/** Publishes until told to stop or the edge goes away; never throws, never hangs on a dead edge. */
export function backgroundPublisher(port: number, name: string, from: number): { sent(): number; stop(): Promise<number> } {
  let stopped = false;
  let sent = from;
  let client: Awaited<ReturnType<typeof publisher>> | null = null;
  const run = (async () => {
    try {
      client = await publisher(port, name);
      client.on("error", () => undefined);
      while (!stopped && sent < from + 2000) {
        await publishSeries(client, sent, sent + 10);
        sent += 10;
      }
    } catch {
      // the edge was killed under it
    }
  })();
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      client?.end(true);
      await Promise.race([run, sleep(3000)]);
      return sent;
    },
  };
}

/**
 * The mock upstream a test file shares: started before its tests, stopped after them, once the
 * file's `cleanups` (edges it started, directories) have run. `upstream` is filled in before
 * the first test.
 */
export function mockUpstreamSuite(brokers = 3): { upstream: MockUpstream; cleanups: Array<() => Promise<void>> } {
  const suite = { upstream: {} as MockUpstream, cleanups: [] as Array<() => Promise<void>> };
  beforeAll(async () => {
    Object.assign(suite.upstream, await startMockUpstream(brokers));
  });
  afterAll(async () => {
    for (const c of suite.cleanups) await c().catch(() => undefined);
    await suite.upstream.stop?.();
  });
  return suite;
}

/**
 * The data batches (control batches aside) stored in one partition of a ledge upstream, as
 * their size in bytes and attributes: a raw Fetch (read_committed) through the reference codec,
 * the RecordBatch header read by Kafka's layout (batchLength@8, attributes@21).
 */
export async function storedDataBatches(port: number, topic: string, partition: number): Promise<Array<{ bytes: number; attributes: number }>> {
  const c = await RawKafkaClient.open(port);
  try {
    const res = (await c.request(1, 11, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 16 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 16 << 20 }] }],
      forgottenTopicsData: [], rackId: "",
    })).body.responses[0].partitions[0];
    const data: Uint8Array = Array.isArray(res.records) ? Buffer.concat(res.records) : (res.records ?? new Uint8Array(0));
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const out: Array<{ bytes: number; attributes: number }> = [];
    for (let at = 0; at + 61 <= data.length; at += 12 + v.getInt32(at + 8)) {
      const attributes = v.getInt16(at + 21);
      if ((attributes & 0x20) === 0) out.push({ bytes: 12 + v.getInt32(at + 8), attributes });
    }
    return out;
  } finally {
    c.destroy();
  }
}

