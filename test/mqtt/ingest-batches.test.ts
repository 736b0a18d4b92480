// How MQTT ingest builds its batches.
//
// Each batch fits the log topic's max.message.bytes: the log refuses an oversize batch whole,
// so a batch filled past it would fail every message in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch } from "../../runtime/core/index.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

describe("MQTT ingest batches and the log topic's max.message.bytes", () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway({ mqtt: { allowAnonymous: true }, topics: [{ name: "mqtt-messages", partitions: 1, config: { "max.message.bytes": "20000" } }] });
  });
  afterAll(async () => f?.close());

  it("splits what arrives in one turn into batches the log accepts", async () => {
    const c = await f.connect({ clientId: "split", protocolVersion: 5 });
    const body = Buffer.alloc(900, 0x61);
    // 60 x ~1 KB in one burst: one turn's worth is ~3x the topic's limit.
    await Promise.all(Array.from({ length: 60 }, (_, i) => c.publishAsync(`split/${i}`, body, { qos: 1 })));
    const batches = f.log.read("mqtt-messages", 0, 0, 2 ** 20).batches;
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) expect(b.byteLength).toBeLessThanOrEqual(20000);
    expect(batches.reduce((n, b) => n + decodeBatch(b).records.length, 0)).toBe(60);
    expect(f.logLines.filter((l) => l.includes("could not store"))).toEqual([]);
  });
});
