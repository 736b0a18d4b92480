// PUBLISH end to end with MQTT.js 3.1.1 and 5: each QoS delivered, acks after the log holds it,
// records with the right key, headers and partition.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch } from "../../runtime/core/index.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import { collect, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ topics: [{ name: "mqtt-messages", partitions: 4 }] });
});
afterAll(async () => f?.close());

function logRecords(topic: string) {
  const out = [];
  const d = f.log.describeTopic(topic)!;
  for (let p = 0; p < d.partitions; p++) {
    const r = f.log.read(topic, p, 0, 64 * 1024 * 1024);
    for (const b of r.batches) for (const rec of decodeBatch(b).records) out.push({ partition: p, ...rec });
  }
  return out;
}

describe("PUBLISH", () => {
  for (const protocolVersion of [4, 5] as const) {
    it(`delivers QoS 0, 1 and 2 to a subscriber (MQTT ${protocolVersion === 4 ? "3.1.1" : "5"})`, async () => {
      const sub = await f.connect({ protocolVersion });
      const inbox = collect(sub);
      await sub.subscribeAsync(`v${protocolVersion}/q/#`, { qos: 2 });
      const pub = await f.connect({ protocolVersion });
      await pub.publishAsync(`v${protocolVersion}/q/0`, "zero", { qos: 0 });
      await pub.publishAsync(`v${protocolVersion}/q/1`, "one", { qos: 1 });
      await pub.publishAsync(`v${protocolVersion}/q/2`, "two", { qos: 2 });
      const got = await inbox.next(3);
      const byTopic = Object.fromEntries(got.map((g) => [g.topic, { payload: g.payload.toString(), qos: g.packet.qos }]));
      expect(byTopic).toEqual({
        [`v${protocolVersion}/q/0`]: { payload: "zero", qos: 0 },
        [`v${protocolVersion}/q/1`]: { payload: "one", qos: 1 },
        [`v${protocolVersion}/q/2`]: { payload: "two", qos: 2 },
      });
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    });
  }

  it("stores the message in mqtt-messages with key = topic, Kafka's partition, QoS/retain/user-property headers", async () => {
    const pub = await f.connect({ protocolVersion: 5 });
    await pub.publishAsync("plant/line7/temp", "21.5", { qos: 1, properties: { userProperties: { site: "berlin" }, contentType: "text/plain" } });
    const recs = logRecords("mqtt-messages").filter((r) => Buffer.from(r.key!).toString() === "plant/line7/temp");
    expect(recs).toHaveLength(1);
    const rec = recs[0];
    expect(rec.partition).toBe(partitionForKey(Buffer.from("plant/line7/temp"), 4));
    expect(Buffer.from(rec.value!).toString()).toBe("21.5");
    const headers = Object.fromEntries(rec.headers.map((h) => [h.key, Buffer.from(h.value!).toString()]));
    expect(headers).toMatchObject({ "mqtt.qos": "1", "mqtt.retain": "false", site: "berlin", "mqtt.content-type": "text/plain" });
    await pub.endAsync();
  });
});
