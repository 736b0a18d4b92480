// kcat (librdkafka 2.0.2) against a real ledge: metadata, an idempotent producer with every
// codec actually compressing (its own debug output says so), and a CRC-checking consumer.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { kcat } from "./helpers/kcat.ts";
import { codecs, kcatProduceConsume, expectedLines } from "./helpers/scenarios.ts";

let ledge: TestLedge;
const bootstrap = () => `127.0.0.1:${ledge.port}`;

beforeAll(async () => {
  ledge = await startTestLedge({}, { topics: [{ name: "listed", partitions: 3 }] });
});
afterAll(async () => {
  await ledge?.close();
});

describe("kcat against ledge", () => {
  it("-L lists ledge as the one broker at the advertised host and real port, with topics and leaders", async () => {
    const r = await kcat(["-b", bootstrap(), "-L", "-J"]);
    expect(r.code).toBe(0);
    const md = JSON.parse(r.stdout);
    expect(md.brokers).toEqual([{ id: 0, name: `127.0.0.1:${ledge.port}` }]);
    const t = md.topics.find((x: { topic: string }) => x.topic === "listed");
    const isr = [{ id: 0 }];
    expect(t.partitions.map((p: { partition: number; leader: number; isrs: unknown }) => [p.partition, p.leader, p.isrs])).toEqual([[0, 0, isr], [1, 0, isr], [2, 0, isr]]);
  });

  it("negotiates every feature: MsgVer2, LZ4, ZSTD, IdempotentProducer, and all codecs compress", async () => {
    const r = await kcat(["-b", bootstrap(), "-L", "-X", "debug=feature"]);
    for (const f of ["MsgVer2", "LZ4", "ZSTD", "IdempotentProducer"]) expect(r.stderr).toMatch(new RegExp(`Enabling feature ${f}\\b`));
    expect(r.stderr).not.toMatch(/Disabling feature (MsgVer2|LZ4|ZSTD|IdempotentProducer)\b/);
  });

  for (const codec of codecs) {
    it(`-P -z ${codec} with enable.idempotence, then -C -e with check.crcs reads every record back`, async () => {
      const topic = `kcat-${codec}`;
      const r = await kcatProduceConsume(bootstrap(), topic, codec);
      expect(r.produceErrors).toEqual([]);
      expect(r.produceCode).toBe(0);
      expect(r.notCompressing).toBe(false);
      expect(r.setCodecs.length).toBeGreaterThan(0);
      expect(new Set(r.setCodecs)).toEqual(new Set([codec === "none" ? "uncompressed" : codec]));
      expect(r.consumeErrors).toEqual([]);
      expect(r.consumed).toEqual(expectedLines(codec));
    });
  }

  it("a consumer at the end long-polls and exits at -e without errors; unknown partition is an error", async () => {
    const r = await kcat(["-b", bootstrap(), "-C", "-t", "listed", "-p", "2", "-o", "end", "-e"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Reached end of topic listed \[2\] at offset 0/);
    const bad = await kcat(["-b", bootstrap(), "-C", "-t", "listed", "-p", "9", "-o", "beginning", "-e"], undefined, 15_000);
    expect(bad.stderr).toMatch(/partition 9 does not exist/);
  });
});
