// /metrics of a running bin/ledge carries every metric issue #14 names, each with HELP and TYPE,
// and the labelled series it names ({topic,partition}, {qos}, {api,error}, {group,topic,partition})
// once there is traffic: an MQTT publish, a kafkajs produce, a group's committed offset, a
// pipeline and a bridge (to an upstream that is not there: its gauges exist all the same).
import { afterAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { publisher } from "../bridge/helpers.ts";

/** Issue #14's list, with each one's type. */
const named: Array<[string, "counter" | "gauge"]> = [
  ["ledge_records_in_total", "counter"],
  ["ledge_bytes_in_total", "counter"],
  ["ledge_log_end_offset", "gauge"],
  ["ledge_storage_bytes", "gauge"],
  ["ledge_retention_deleted_total", "counter"],
  ["ledge_group_lag", "gauge"],
  ["ledge_mqtt_connections", "gauge"],
  ["ledge_mqtt_messages_in_total", "counter"],
  ["ledge_kafka_requests_total", "counter"],
  ["ledge_bridge_lag_records", "gauge"],
  ["ledge_bridge_lag_seconds", "gauge"],
  ["ledge_pipeline_events_total", "counter"],
  ["ledge_pipeline_late_total", "counter"],
  ["ledge_pipeline_dlq_total", "counter"],
  ["process_resident_memory_bytes", "gauge"],
  ["nodejs_eventloop_lag_seconds", "gauge"],
];

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const config = `mqtt:
  allowAnonymous: true
  routes:
    - { filter: "sensors/#", topic: telemetry }
topics:
  - { name: telemetry, partitions: 2 }
pipelines:
  - { name: avg, from: telemetry, key: "topic[1]", fields: [t], window: { type: tumbling, size: 1s }, aggregates: [avg], to: avg-out }
bridge:
  brokers: ["127.0.0.1:1"]
  edgeId: metrics-test
`;

async function scrape(ledge: LedgeProcess): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${ledge.ports.http}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe("/metrics", () => {
  it("has every metric issue #14 names, with HELP and TYPE, and their labelled series", { timeout: 60_000 }, async () => {
    const d = await ledgeDirs("ledge-metrics-", config);
    cleanups.push(d.remove);
    const ledge = await startLedge(d.args);
    cleanups.push(async () => void ledge.child.kill("SIGKILL"));
    const mqtt = await publisher(ledge.ports.mqtt!, "metrics-pub");
    cleanups.push(async () => void mqtt.end(true));
    await mqtt.publishAsync("sensors/d1/t", '{"t":1}', { qos: 1 });
    await mqtt.publishAsync("sensors/d1/t", '{"t":2}', { qos: 0 });
    const kafka = new Kafka({ clientId: "metrics-test", brokers: [`127.0.0.1:${ledge.ports.kafka}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    await producer.send({ topic: "telemetry", acks: -1, messages: [{ key: "k", value: "v", partition: 1 }] });
    const commit = await fetch(`http://127.0.0.1:${ledge.ports.http}/api/groups/g1/offsets`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ offsets: [{ topic: "telemetry", partition: 1, offset: 0 }] }),
    });
    expect(commit.status).toBe(200);

    const text = await scrape(ledge);
    const lines = text.split("\n");
    const missing = named.filter(([name, type]) =>
      !lines.some((l) => l.startsWith(`# HELP ${name} `) && l.length > `# HELP ${name} `.length) ||
      !lines.includes(`# TYPE ${name} ${type}`) ||
      !lines.some((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)));
    expect(missing.map(([name]) => name), text).toEqual([]);

    const value = (series: string) => Number(lines.find((l) => l.startsWith(`${series} `))?.split(" ")[1]);
    // MQTT's two publishes went to one partition of telemetry (key sensors/d1/t), kafkajs's to partition 1.
    const perPartition = [0, 1].map((p) => value(`ledge_records_in_total{topic="telemetry",partition="${p}"}`) || 0);
    expect(perPartition[0] + perPartition[1]).toBe(3);
    expect(perPartition[1]).toBeGreaterThanOrEqual(1);
    expect(value("ledge_records_in_total")).toBeGreaterThanOrEqual(3);
    expect(value("ledge_bytes_in_total")).toBeGreaterThan(0);
    expect(value('ledge_mqtt_messages_in_total{qos="0"}')).toBe(1);
    expect(value('ledge_mqtt_messages_in_total{qos="1"}')).toBe(1);
    expect(value('ledge_mqtt_messages_in_total{qos="2"}')).toBe(0);
    expect(value('ledge_kafka_requests_total{api="Produce",error="NONE"}')).toBe(1);
    expect(value('ledge_kafka_requests_total{api="Metadata",error="NONE"}')).toBeGreaterThanOrEqual(1);
    expect(value("ledge_kafka_requests_total")).toBeGreaterThanOrEqual(3);
    expect(value('ledge_group_lag{group="g1",topic="telemetry",partition="1"}')).toBe(perPartition[1]);
    expect(value('ledge_pipeline_events_total{pipeline="avg"}')).toBeGreaterThanOrEqual(0);

    // A deleted topic's per-partition series go with it (the labels stay bounded by live partitions).
    await producer.send({ topic: "other", acks: -1, messages: [{ value: "x" }] });
    expect(await scrape(ledge)).toMatch(/^ledge_records_in_total\{topic="other",partition="0"\} 1$/m);
    expect((await fetch(`http://127.0.0.1:${ledge.ports.http}/api/topics/other`, { method: "DELETE" })).status).toBe(200);
    expect(await scrape(ledge)).not.toMatch(/ledge_records_in_total\{topic="other"/);
  });
});
