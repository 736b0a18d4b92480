// QoS 1 PUBACKs leave in groups (one per log batch per connection): ids, order and reason
// codes must be exactly what per-message acks would have been, also when other acks (0x99,
// PUBREC) sit between members of one batch, and when the batch's append fails.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqttPacket, { type IPubackPacket, type Packet } from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../../runtime/config/index.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Log } from "../../runtime/log/index.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { startMqttGateway, type MqttGateway } from "../../gateways/mqtt/gateway.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected, type RawClient } from "./helpers/raw-client.ts";

/** Every publish in ONE write, so they reach the broker in one turn (one batch). */
function pipeline(c: RawClient, packets: Packet[], protocolVersion: 4 | 5): void {
  c.sendBytes(Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion }))));
}

const publish = (id: number, extra: Partial<mqttPacket.IPublishPacket> = {}): Packet =>
  ({ cmd: "publish", topic: "groups/t", payload: Buffer.from(`m${id}`), qos: 1, messageId: id, dup: false, retain: false, ...extra }) as Packet;

async function acks(c: RawClient, n: number): Promise<Array<{ cmd: string; id: number; reason: number }>> {
  const out: Array<{ cmd: string; id: number; reason: number }> = [];
  const deadline = Date.now() + 5000;
  while (out.length < n && Date.now() < deadline) {
    const p = c.packets.shift();
    if (!p) {
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    if (p.cmd === "puback" || p.cmd === "pubrec") out.push({ cmd: p.cmd, id: p.messageId!, reason: (p as IPubackPacket).reasonCode ?? 0 });
  }
  return out;
}

describe("grouped PUBACKs on a working log", () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway({ mqtt: { allowAnonymous: true, limits: { inflightCountMax: 1000 } } });
  });
  afterAll(async () => f?.close());

  it("acks 500 pipelined QoS 1 publishes once each, in order, and stores them all", async () => {
    const c = await rawConnected(f.port, 4);
    const ids = Array.from({ length: 500 }, (_, i) => i + 1);
    pipeline(c, ids.map((id) => publish(id, { topic: "groups/many" })), 4);
    const got = await acks(c, 500);
    expect(got.map((a) => a.id)).toEqual(ids);
    expect(got.every((a) => a.cmd === "puback" && a.reason === 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.packets.filter((p) => p.cmd === "puback")).toEqual([]); // no duplicates
    expect(f.log.partitionState("mqtt-messages", 0).highWatermark).toBeGreaterThanOrEqual(500);
    c.end();
  });

  it("keeps PUBLISH order when a 0x99 and a PUBREC sit between members of one batch (MQTT 5)", async () => {
    const c = await rawConnected(f.port, 5);
    pipeline(c, [
      publish(1),
      publish(2, { payload: Buffer.from([0xc3, 0x28]), properties: { payloadFormatIndicator: true } }),
      publish(3),
      publish(4, { qos: 2 }),
      publish(5),
      publish(6),
    ], 5);
    expect(await acks(c, 6)).toEqual([
      { cmd: "puback", id: 1, reason: 0 },
      { cmd: "puback", id: 2, reason: 0x99 },
      { cmd: "puback", id: 3, reason: 0 },
      { cmd: "pubrec", id: 4, reason: 0 },
      { cmd: "puback", id: 5, reason: 0 },
      { cmd: "puback", id: 6, reason: 0 },
    ]);
    c.end();
  });
});

describe("grouped PUBACKs when the batch cannot be stored", () => {
  let dataDir: string;
  let log: Log;
  let gateway: MqttGateway;
  const lines: string[] = [];
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ledge-mqtt-groups-"));
    const config = readConfig({ dataDir, listeners: { mqtt: { host: "127.0.0.1", port: 0 } }, mqtt: { allowAnonymous: true } });
    const logger = createLogger("test", (l) => void lines.push(l));
    const metrics = new Metrics();
    // No disk is ever free enough: every append is refused with LEDGE_ERR_STORAGE_FULL.
    log = await Log.open({ dataDir, storage: config.storage, log: config.log, topics: config.topics, logger, metrics, mapSizeBytes: 64 * 2 ** 20, diskFreeBytesMin: Number.MAX_SAFE_INTEGER });
    gateway = await startMqttGateway({ config, log, logger, metrics });
  });
  afterAll(async () => {
    await gateway?.close();
    await log?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("MQTT 5: every member of the failed batch gets PUBACK 0x80 with a reason, in order", async () => {
    const c = await rawConnected(gateway.port, 5);
    pipeline(c, [1, 2, 3, 4].map((id) => publish(id)), 5);
    const got = await acks(c, 4);
    expect(got.map((a) => [a.id, a.reason])).toEqual([[1, 0x80], [2, 0x80], [3, 0x80], [4, 0x80]]);
    expect(lines.some((l) => /could not store 4 PUBLISHes from client/.test(l))).toBe(true);
    c.end();
  });

  it("MQTT 3.1.1: no negative PUBACK exists, so the connection is closed without a PUBACK", async () => {
    const c = await rawConnected(gateway.port, 4);
    pipeline(c, [1, 2, 3].map((id) => publish(id)), 4);
    expect(await c.closed(5000)).toBe(true);
    expect(c.packets.filter((p) => p.cmd === "puback")).toEqual([]);
  });
});
