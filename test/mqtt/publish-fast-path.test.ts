// The PUBLISH hot path (offsets instead of views, one shared parse, the connection's last topic
// reused, payloads copied into reused batch columns) must store exactly what the packet path
// stores: same keys, values, headers and order, for topics that alternate with equal lengths,
// payloads from 0 bytes to more than a socket read, QoS 0/1 beside retained and QoS 2 ones.
import mqttPacket, { type IPublishPacket } from "mqtt-packet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch } from "../../runtime/core/index.ts";
import { IngestColumns } from "../../gateways/mqtt/ingest-columns.ts";
import { parsePlainPublish, type TopicMemo } from "../../gateways/mqtt/publish-fast-path.ts";
import { startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawConnected } from "./helpers/raw-client.ts";

interface Stored {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

function stored(f: GatewayFixture): Stored[] {
  const out: Stored[] = [];
  const d = f.log.describeTopic("mqtt-messages")!;
  for (let p = 0; p < d.partitions; p++) {
    for (const b of f.log.read("mqtt-messages", p, 0, 64 * 2 ** 20).batches) {
      for (const r of decodeBatch(b).records) {
        const headers = Object.fromEntries(r.headers.map((h) => [h.key, Buffer.from(h.value ?? []).toString()]));
        out.push({ key: Buffer.from(r.key!).toString(), value: Buffer.from(r.value!), headers });
      }
    }
  }
  return out;
}

const sizes = [0, 5, 255, 256, 257, 300, 70_000];

describe.each([4, 5] as const)("plain PUBLISHes stored by the hot path (protocol level %i)", (version) => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await startGateway({ mqtt: { allowAnonymous: true, limits: { inflightCountMax: 1000 } } });
  });
  afterAll(async () => f?.close());

  it("keeps keys, payloads, headers and order; retained and QoS 2 ones in between take the packet path", async () => {
    const clientId = `fast-${version}`;
    const c = await rawConnected(f.port, version, clientId);
    const packets: IPublishPacket[] = [];
    let id = 1;
    for (let round = 0; round < 3; round++) {
      for (const size of sizes) {
        for (const topic of ["fp/aa", "fp/bb", "fp/aa"]) {
          const qos = (packets.length % 2) as 0 | 1;
          const payload = Buffer.alloc(size, `${topic}:${size}:${packets.length};`);
          packets.push({ cmd: "publish", topic, payload, qos, dup: false, retain: false, ...(qos ? { messageId: id++ } : {}) });
        }
      }
      packets.push({ cmd: "publish", topic: "fp/aa", payload: Buffer.from(`retained ${round}`), qos: 1, messageId: id++, dup: false, retain: true });
      packets.push({ cmd: "publish", topic: "fp/bb", payload: Buffer.from(`qos2 ${round}`), qos: 2, messageId: id++, dup: false, retain: false });
    }
    c.sendBytes(Buffer.concat(packets.map((p) => mqttPacket.generate(p, { protocolVersion: version }))));
    const acked = packets.filter((p) => p.qos > 0).length;
    for (let n = 0; n < acked; n++) await c.next(packets.find((p) => p.messageId === n + 1)!.qos === 2 ? "pubrec" : "puback", 10_000);
    await new Promise((r) => setTimeout(r, 100)); // QoS 0 ones after the last ack are committed too
    const got = stored(f).filter((r) => r.headers["mqtt.client-id"] === clientId);
    for (const topic of ["fp/aa", "fp/bb"]) {
      const want = packets.filter((p) => p.topic === topic);
      const have = got.filter((r) => r.key === topic);
      expect(have.map((r) => r.value.toString("hex"))).toEqual(want.map((p) => (p.payload as Buffer).toString("hex")));
      expect(have.map((r) => r.headers)).toEqual(
        want.map((p) => ({ "mqtt.qos": String(p.qos), "mqtt.retain": String(p.retain), "mqtt.client-id": clientId })),
      );
    }
    c.end();
  });
});

describe("parsePlainPublish", () => {
  const spanOf = (p: Partial<IPublishPacket>, version: 4 | 5 = 4) => {
    const frame = mqttPacket.generate({ cmd: "publish", topic: "a/b", payload: Buffer.from("xy"), qos: 0, dup: false, retain: false, ...p } as IPublishPacket, { protocolVersion: version });
    const buffer = Buffer.concat([Buffer.from([9, 9]), frame, Buffer.from([7])]); // the frame inside a larger read
    return { buffer, start: 2, end: 2 + frame.length };
  };

  it("reads topic, payload offsets, flags and id from inside a larger buffer", () => {
    const memo: TopicMemo = { lastTopicBytes: undefined, lastTopicText: "" };
    const p = parsePlainPublish(spanOf({ qos: 1, messageId: 513, retain: true }), 4, memo);
    if (!p || "error" in p) throw new Error("expected a parse");
    expect([p.topic, p.buffer.toString("utf8", p.payloadStart, p.payloadEnd), p.qos, p.messageId, p.retain, p.dup]).toEqual(["a/b", "xy", 1, 513, true, false]);
  });

  it("reuses the last topic string only while the bytes are the same", () => {
    const memo: TopicMemo = { lastTopicBytes: undefined, lastTopicText: "" };
    const first = parsePlainPublish(spanOf({ topic: "t/é1" }), 4, memo) as { topic: string };
    expect(first.topic).toBe("t/é1");
    expect((parsePlainPublish(spanOf({ topic: "t/é1" }), 4, memo) as { topic: string }).topic).toBe("t/é1");
    expect((parsePlainPublish(spanOf({ topic: "t/é2" }), 4, memo) as { topic: string }).topic).toBe("t/é2");
    expect((parsePlainPublish(spanOf({ topic: "t/é1" }), 4, memo) as { topic: string }).topic).toBe("t/é1");
  });

  it("refuses malformed PUBLISHes and leaves ones with properties to mqtt-packet", () => {
    const memo: TopicMemo = { lastTopicBytes: undefined, lastTopicText: "" };
    const withFlags = (flags: number) => {
      const s = spanOf({ qos: 1, messageId: 1 });
      s.buffer[s.start] = 0x30 | flags;
      return parsePlainPublish(s, 4, memo);
    };
    expect(withFlags(0b0110)).toMatchObject({ error: "malformed", message: expect.stringContaining("[MQTT-3.3.1-4]") });
    expect(withFlags(0b1000)).toMatchObject({ error: "malformed", message: expect.stringContaining("[MQTT-3.3.1-2]") });
    const zeroId = spanOf({ qos: 1, messageId: 1 });
    zeroId.buffer.writeUInt16BE(0, zeroId.start + 2 + 2 + 3);
    expect(parsePlainPublish(zeroId, 4, memo)).toMatchObject({ message: expect.stringContaining("[MQTT-2.2.1-3]") });
    const noId = spanOf({ payload: Buffer.alloc(0) });
    noId.buffer[noId.start] = 0x32; // QoS 1, but the packet ends after the topic
    expect(parsePlainPublish(noId, 4, memo)).toMatchObject({ message: expect.stringContaining("packet identifier") });
    expect(parsePlainPublish(spanOf({ properties: { contentType: "x" } }, 5), 5, memo)).toBeUndefined();
    expect(parsePlainPublish(spanOf({}, 5), 5, memo)).toMatchObject({ topic: "a/b" });
  });
});

describe("IngestColumns", () => {
  it("grows past its first capacity and keeps every key, value and timestamp", () => {
    const columns = new IngestColumns();
    const source = Buffer.alloc(40_000, 3);
    for (let i = 0; i < 500; i++) columns.add(Buffer.from([i & 0xff]), source, 10, 10 + (i % 7 === 0 ? 30_000 : i), undefined, 1000 + i);
    expect(columns.count).toBe(500);
    let at = 0;
    for (let i = 0; i < 500; i++) {
      const n = i % 7 === 0 ? 30_000 : i;
      expect([columns.keyBytes[i], columns.valueBytes[i], columns.timestampsMs[i], columns.data[at]]).toEqual([1, n, 1000 + i, i & 0xff]);
      at += 1 + n;
    }
    expect(columns.dataBytes).toBe(at);
    columns.clear();
    columns.add(null, source, -1, -1, undefined, 5);
    expect([columns.count, columns.keyBytes[0], columns.valueBytes[0], columns.dataBytes]).toEqual([1, -1, -1, 0]);
  });
});
