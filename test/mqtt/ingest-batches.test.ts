// How MQTT ingest builds its batches.
//
// A batch holds at most mqtt.limits.batchCountMax records and batchBytesMax bytes.
//
// Each batch fits the log topic's max.message.bytes: the log refuses an oversize batch whole,
// so a batch filled past it would fail every message in it.
//
// Ingest encodes each batch into a pooled buffer and reuses it once that batch is committed. A
// buffer handed out while LMDB had not yet stored its batch would store another batch's bytes
// in its place: records lost and others twice, or wrong offsets. Several clients publish QoS 0
// and QoS 1 messages of sizes spread over the pool's size classes, long enough for buffers to
// come back many times; every message must be stored exactly once, intact, in every batch's CRC.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBatchCrc, decodeBatch } from "../../runtime/core/index.ts";
import mqttPacket from "mqtt-packet";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

const clientCount = 4;
const messagesPerClient = 1500;

/** A payload that names itself and whose filler can be checked: sizes 50 B .. ~12 KB. */
function payload(client: number, seq: number): Buffer {
  const head = `c${client}-${seq}-`;
  const size = 50 + ((seq * 7919) % 12_000);
  return Buffer.from(head.padEnd(size, String.fromCharCode(97 + (seq % 26))));
}

describe("pooled batch buffers in MQTT ingest", () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway({ mqtt: { allowAnonymous: true, limits: { inflightCountMax: 200 } } });
  });
  afterAll(async () => f?.close());

  it("stores every message exactly once and intact while buffers are reused", async () => {
    const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => f.connect({ clientId: `pool-${i}`, protocolVersion: 5 })));
    await Promise.all(clients.map(async (c, i) => {
      const sends: Promise<unknown>[] = [];
      for (let seq = 0; seq < messagesPerClient; seq++) {
        sends.push(c.publishAsync(`pool/${i}`, payload(i, seq), { qos: seq % 3 === 0 ? 0 : 1 }));
        if (sends.length >= 100) await Promise.all(sends.splice(0));
      }
      await Promise.all(sends);
    }));
    // QoS 0 ones are not acknowledged: wait until the log holds as many records as were sent.
    const d = f.log.describeTopic("mqtt-messages")!;
    const stored = () => Array.from({ length: d.partitions }, (_, p) => f.log.partitionState("mqtt-messages", p).highWatermark).reduce((a, b) => a + b, 0);
    for (let i = 0; i < 400 && stored() < clientCount * messagesPerClient; i++) await new Promise((r) => setTimeout(r, 25));

    expect(f.metrics.counter("ledge_mqtt_batch_buffers_reused_total", "").value).toBeGreaterThan(20);
    const seen = new Set<string>();
    let expectedOffset = 0;
    for (let p = 0; p < d.partitions; p++) {
      expectedOffset = 0;
      for (const batch of f.log.read("mqtt-messages", p, 0, 256 * 2 ** 20).batches) {
        expect(() => checkBatchCrc(batch)).not.toThrow();
        for (const r of decodeBatch(batch).records) {
          expect(r.offset).toBe(expectedOffset++);
          const value = Buffer.from(r.value!);
          const [, client, seq] = /^c(\d+)-(\d+)-/.exec(value.toString("latin1"))!;
          expect(value.equals(payload(Number(client), Number(seq)))).toBe(true);
          expect(Buffer.from(r.key!).toString()).toBe(`pool/${client}`);
          const id = `${client}/${seq}`;
          expect(seen.has(id)).toBe(false);
          seen.add(id);
        }
      }
    }
    expect(seen.size).toBe(clientCount * messagesPerClient);
  }, 60_000);
});

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

describe("mqtt.limits.batchCountMax and batchBytesMax", () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway({ mqtt: { allowAnonymous: true, limits: { batchCountMax: 7, batchBytesMax: "4KiB", inflightCountMax: 200 } }, topics: [{ name: "mqtt-messages", partitions: 1 }] });
  });
  afterAll(async () => f?.close());

  /** Publishes `count` QoS 1 messages in ONE socket write (one read turn, so one batch would
   * take them all but for the limits) and waits for every PUBACK; returns the stored batches. */
  async function burst(clientId: string, count: number, payloadBytes: number): Promise<Uint8Array[]> {
    const c = await rawConnected(f.port, 4, clientId);
    const packets = Array.from({ length: count }, (_, i) => mqttPacket.generate({
      cmd: "publish", topic: `${clientId}/${i}`, payload: Buffer.alloc(payloadBytes, 0x61), qos: 1, messageId: i + 1, dup: false, retain: false,
    }));
    const before = f.log.partitionState("mqtt-messages", 0).highWatermark;
    c.sendBytes(Buffer.concat(packets));
    for (let i = 0; i < count; i++) await c.next("puback");
    c.end();
    return f.log.read("mqtt-messages", 0, before, 2 ** 24).batches;
  }

  it("batchCountMax: a burst of 60 small messages is stored in batches of at most 7 records, the bound reached", async () => {
    const batches = await burst("count", 60, 100);
    const counts = batches.map((b) => decodeBatch(b).records.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(60);
    expect(Math.max(...counts)).toBe(7);
  });

  it("batchBytesMax: a burst of 30 messages of 1 KB is stored in batches of at most 4 KiB, none of one record only", async () => {
    const batches = await burst("bytes", 30, 1000);
    expect(batches.reduce((n, b) => n + decodeBatch(b).records.length, 0)).toBe(30);
    for (const b of batches) expect(b.byteLength).toBeLessThanOrEqual(4096);
    // Bytes, not the count of 7, cut these batches: 3 records of ~1 KB each fill 4 KiB.
    expect(Math.max(...batches.map((b) => decodeBatch(b).records.length))).toBe(3);
  });
});
