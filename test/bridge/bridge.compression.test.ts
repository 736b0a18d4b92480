// bridge.compression: batches stored uncompressed go upstream recompressed (zstd, lz4), records
// intact, every one exactly once; checked against a ledge upstream, whose stored batches are
// fetched raw (reference codec) to see the codec they arrived with.
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { bridgeYaml, count, metric, publishSeries, publisher, readTopic, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

/** The codec id (attributes & 7) of every data batch stored upstream in `topic`. */
async function upstreamCodecs(port: number, topic: string, partitions: number): Promise<number[]> {
  const c = await RawKafkaClient.open(port);
  try {
    const codecs: number[] = [];
    for (let p = 0; p < partitions; p++) {
      const res = (await c.request(1, 11, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 16 << 20, isolationLevel: 1, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: 16 << 20 }] }],
        forgottenTopicsData: [], rackId: "",
      })).body.responses[0].partitions[0];
      const bytes: Uint8Array = Array.isArray(res.records) ? Buffer.concat(res.records) : (res.records ?? new Uint8Array(0));
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at + 61 <= bytes.length; at += 12 + v.getInt32(at + 8)) {
        const attributes = v.getInt16(at + 21);
        if ((attributes & 0x20) === 0) codecs.push(attributes & 7); // control batches (markers) aside
      }
    }
    return codecs;
  } finally {
    c.destroy();
  }
}

describe("bridge.compression", () => {
  for (const [name, id] of [["zstd", 4], ["lz4", 3]] as const) {
    it(`${name}: uncompressed local batches arrive as ${name}, records intact, exactly once`, { timeout: 90_000 }, async () => {
      const up = await ledgeDirs(`ledge-up-${name}-`, "log: { autoCreateTopics: true }\n");
      cleanups.push(up.remove);
      const upstream = await startLedge(up.args);
      cleanups.push(async () => void upstream.child.kill("SIGKILL"));
      const bootstrap = `127.0.0.1:${upstream.ports.kafka}`;
      const d = await ledgeDirs(`ledge-edge-${name}-`, bridgeYaml(bootstrap, `  compression: ${name}\n  prefix: z.\n`, `edge-${name}`));
      cleanups.push(d.remove);
      const edge = await startLedge(d.args);
      cleanups.push(async () => void edge.child.kill("SIGKILL"));
      const pub = await publisher(edge.ports.mqtt!, `pub-${name}`);
      await publishSeries(pub, 0, 200);
      await pub.endAsync();
      const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "mqtt-messages", false);
      expect(count(local)).toBe(200);
      let remote = new Map<string, string[]>();
      const arrived = await waitFor(async () => count(remote = await readTopic(bootstrap, "z.mqtt-messages", true)) >= 200, 30_000, 500);
      expect(arrived, edge.stderr().slice(-2000)).toBe(true);
      for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
      const codecs = await upstreamCodecs(upstream.ports.kafka!, "z.mqtt-messages", 3);
      expect(codecs.length).toBeGreaterThan(0);
      expect(new Set(codecs)).toEqual(new Set([id]));
      expect(await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")).toBe(200);
    });
  }
});
