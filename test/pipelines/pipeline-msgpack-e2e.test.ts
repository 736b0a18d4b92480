// End to end with format: msgpack: bin/ledge with the pipeline in its YAML config, kafkajs
// producing MessagePack values (msgpackr: fixints, uint8-64, int8-32, float32/64, a 64-bit
// timestamp, an integer group key, nested and skipped members), kcat reading the summaries; the
// summaries equal the plain-JS reference run on msgpackr's own decoding of the same values, and
// truncated or incomplete values land in <name>.dlq with reasons.
import { Kafka, logLevel } from "kafkajs";
import { Packr, unpack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPipelineConfig } from "../../runtime/config/pipelines.ts";
import { ledgeForFile } from "../helpers/ledge-process.ts";
import { kcatRecords } from "./kcat-topic.ts";
import { compareResult, referenceWindows, type RefRecord } from "./reference.ts";

const pipeline = {
  name: "mp10s", from: "telemetry", format: "msgpack", key: "device", time: "meta.ts", fields: ["temp", "hum"],
  window: { type: "tumbling", size: "10s", grace: "1m" }, aggregates: ["count", "sum", "min", "max", "p95"], to: "mp-10s",
};
const yaml = `topics: [ { name: telemetry, partitions: 1 } ]
pipelines:
  - ${JSON.stringify(pipeline)}
`;
const base = 1_765_000_000_000;
const ledge = ledgeForFile("ledge-pipe-msgpack-", yaml, { beforeAll, afterAll });

const float32 = new Packr({ useRecords: false, useFloat32: 1 });
const plain = new Packr({ useRecords: false });

/** The JSON a plain-JS reader makes of a MessagePack value (64-bit integers as numbers), or the bytes as text when msgpackr refuses them. */
function asJson(value: Buffer): string {
  try {
    return JSON.stringify(unpack(value), (_, v: unknown) => (typeof v === "bigint" ? Number(v) : v));
  } catch {
    return "not MessagePack";
  }
}

describe("pipeline end to end with format: msgpack (kafkajs in, kcat out)", () => {
  it("aggregates MessagePack telemetry of 12 devices as the reference does on msgpackr's decoding, and dead-letters bad values with reasons", { timeout: 120_000 }, async () => {
    const values: Buffer[] = [];
    for (let d = 0; d < 12; d++) {
      for (let i = 0; i < 25; i++) {
        const ts = base + i * 1000 + d;
        const doc = {
          // An integer device id is the key "7"; the rest are strings.
          device: d === 7 ? 7 : `dev${d}`,
          skipped: [1, { deep: [null, true] }, new Uint8Array([1, 2, 3])],
          meta: { ts: i % 2 === 0 ? BigInt(ts) : ts, site: "a" },
          temp: (d % 3 === 0 ? -1 : 1) * (20 + ((d * 7 + i * 13) % 50) / 8),
          hum: (d * 31 + i * 17) % (d % 2 === 0 ? 200 : 70000) - 20,
        };
        values.push((d % 2 === 0 ? float32 : plain).pack(doc));
      }
    }
    // Moves the watermark past every window above (grace 1 min).
    values.push(plain.pack({ device: "dev0", meta: { ts: base + 5 * 60_000 }, temp: 0, hum: 0 }));
    const truncated = plain.pack({ device: "dev1", meta: { ts: base }, temp: 1, hum: 2 }).subarray(0, 12);
    const noHum = plain.pack({ device: "dev1", meta: { ts: base + 5 * 60_000 }, temp: 1 });
    const floatKey = plain.pack({ device: 1.5, meta: { ts: base + 5 * 60_000 }, temp: 1, hum: 2 });

    const kafka = new Kafka({ clientId: "msgpack-e2e", brokers: [`127.0.0.1:${ledge.process.ports.kafka}`], logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
    const producer = kafka.producer();
    await producer.connect();
    for (let from = 0; from < values.length; from += 100) {
      await producer.send({ topic: "telemetry", acks: -1, messages: values.slice(from, from + 100).map((value) => ({ key: "k", value })) });
    }
    await producer.send({ topic: "telemetry", acks: -1, messages: [truncated, noHum, floatKey].map((value) => ({ key: "bad", value })) });
    await producer.disconnect();

    const config = readPipelineConfig(pipeline);
    const records: RefRecord[] = values.map((v) => ({ partition: 0, key: "k", value: asJson(v), timestampMs: 0 }));
    const want = referenceWindows(config, records);
    expect(want.results.length).toBe(36);
    const got = await kcatRecords(ledge.process.ports.kafka!, "mp-10s", want.results.length, "%k\t%h\t%s");
    expect(got.length).toBe(want.results.length);
    const problems = got.flatMap(([key, , value], i) => [
      ...(key === want.results[i].key ? [] : [`record ${i} key ${key}, reference ${want.results[i].key}`]),
      ...compareResult(config, JSON.parse(value), want.results[i]),
    ]);
    expect(problems).toEqual([]);
    expect(got.map((l) => l[0])).toContain("7");

    const dlq = await kcatRecords(ledge.process.ports.kafka!, "mp10s.dlq", 3, "%k\t%h\t%s");
    // msgpackr writes a map16 header (3 bytes), then "device" (7): the string "dev1" at byte 10 is cut.
    expect(dlq.map((l) => l[1].replace(/,offset=\d+$/, ""))).toEqual([
      "reason=not MessagePack: a value runs past the end of the record's value (truncated) (at byte 10)",
      "reason=the field 'hum' is missing, not a finite number",
      "reason=the key field 'device' is a MessagePack float; a group key must be a string or an integer",
    ]);
    expect(dlq.map((l) => l[0])).toEqual(["bad", "bad", "bad"]);
  });
});
