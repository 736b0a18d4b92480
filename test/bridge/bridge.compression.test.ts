// bridge.compression: batches stored uncompressed go upstream recompressed (zstd, lz4), records
// intact, every one exactly once; checked against a ledge upstream, whose stored batches are
// fetched raw (storedDataBatches) to see the codec they arrived with.
import { afterAll, describe, expect, it } from "vitest";
import { ledgeDirs, startLedge } from "../helpers/ledge-process.ts";
import { bridgeYaml, count, metric, publishSeries, publisher, readTopic, storedDataBatches, waitFor } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

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
      const codecs: number[] = [];
      for (const p of [0, 1, 2]) for (const b of await storedDataBatches(upstream.ports.kafka!, "z.mqtt-messages", p)) codecs.push(b.attributes & 7);
      expect(codecs.length).toBeGreaterThan(0);
      expect(new Set(codecs)).toEqual(new Set([id]));
      expect(await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")).toBe(200);
    });
  }
});
