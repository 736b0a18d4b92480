// End to end as a user runs it: bin/ledge with a pipeline in its YAML config, mosquitto_pub
// publishing JSON telemetry for 20 devices, kcat reading the summaries from the output topic;
// a late reading and a payload that is not JSON land in <name>.late / <name>.dlq with reasons.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPipelineConfig } from "../../runtime/config/pipelines.ts";
import { ledgeForFile } from "../helpers/ledge-process.ts";
import { kcatRecords } from "./kcat-topic.ts";
import { compareResult, referenceWindows, type RefRecord } from "./reference.ts";

const pipeline = {
  name: "temp10s", from: "mqtt-messages", match: "sensors/+/telemetry", format: "json", key: "topic[1]", time: "ts",
  fields: ["temp"], window: { type: "tumbling", size: "10s", grace: "1m" }, aggregates: ["count", "avg", "min", "max", "p95"], emit: "final", to: "temp-10s",
};
const yaml = `mqtt: { allowAnonymous: true }
pipelines:
  - name: temp10s
    from: mqtt-messages
    match: "sensors/+/telemetry"
    format: json
    key: topic[1]
    time: ts
    fields: [temp]
    window: { type: tumbling, size: 10s, grace: 1m }
    aggregates: [count, avg, min, max, p95]
    emit: final
    to: temp-10s
`;

const ledge = ledgeForFile("ledge-pipe-e2e-", yaml, { beforeAll, afterAll });
const base = 1_765_000_000_000;

function publish(topic: string, lines: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("mosquitto_pub", ["-h", "127.0.0.1", "-p", String(ledge.process.ports.mqtt), "-q", "1", "-t", topic, "-l"], { stdio: ["pipe", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`mosquitto_pub exited ${code}: ${err}`));
    });
    child.stdin.end(lines.join("\n") + "\n");
  });
}

/** kcat's records of a topic, polled until `count` are there. */
function consume(topic: string, count: number): Promise<string[][]> {
  return kcatRecords(ledge.process.ports.kafka!, topic, count, "%k\t%h\t%s");
}

describe("pipeline end to end: mosquitto_pub in, kcat out", () => {
  it("aggregates telemetry of 20 devices into the summaries a plain-JS reference computes", { timeout: 120_000 }, async () => {
    expect(readPipelineConfig(pipeline).key).toEqual({ topicLevel: 1 });
    const records: RefRecord[] = [];
    for (let d = 0; d < 20; d++) {
      const topic = `sensors/dev${d}/telemetry`;
      const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ ts: base + i * 1000 + d, temp: 20 + ((d * 7 + i * 13) % 50) / 10 }));
      await publish(topic, lines);
      records.push(...lines.map((value) => ({ partition: 0, key: topic, value, timestampMs: 0 })));
    }
    // Not matched by the filter: neither aggregated nor dead-lettered.
    await publish("lights/l1/state", ['{"ts":1,"temp":1}']);
    // Moves the watermark past every window above (grace 1 min).
    const flush = JSON.stringify({ ts: base + 5 * 60_000, temp: 0 });
    await publish("sensors/dev0/telemetry", [flush]);
    records.push({ partition: 0, key: "lights/l1/state", value: '{"ts":1,"temp":1}', timestampMs: 0 }, { partition: 0, key: "sensors/dev0/telemetry", value: flush, timestampMs: 0 });
    const want = referenceWindows(readPipelineConfig(pipeline), records);
    expect(want.results.length).toBe(60);

    const got = await consume("temp-10s", want.results.length);
    expect(got.length).toBe(want.results.length);
    const problems = got.flatMap(([key, , value], i) => [
      ...(key === want.results[i].key ? [] : [`record ${i} key ${key}`]),
      ...compareResult(readPipelineConfig(pipeline), JSON.parse(value), want.results[i]),
    ]);
    expect(problems).toEqual([]);
    expect(got[0][2]).toMatch(/^\{"key":"dev0","window":\{"start":\d+,"end":\d+\},"count":\d+,"temp":\{"avg":[\d.]+,"min":[\d.]+,"max":[\d.]+,"p95":[\d.]+\}\}$/);
  });

  it("routes a late reading and a payload that is not JSON to temp10s.late and temp10s.dlq, with reasons", { timeout: 60_000 }, async () => {
    await publish("sensors/dev3/telemetry", [JSON.stringify({ ts: base, temp: 1 }), "temperature is 21 degrees", JSON.stringify({ ts: base + 5 * 60_000, hum: 3 })]);
    const late = await consume("temp10s.late", 1);
    expect(late[0][0]).toBe("sensors/dev3/telemetry");
    expect(late[0][1]).toMatch(/^reason=late: event time \d+ falls only in windows that closed at watermark \d+,offset=\d+$/);
    const dlq = await consume("temp10s.dlq", 2);
    expect(dlq.map((l) => l[1].replace(/,offset=\d+$/, ""))).toEqual([
      "reason=not JSON: an unexpected byte, or the document ends too early (at byte 1)",
      "reason=the field 'temp' is missing, not a finite number",
    ]);
    expect(dlq[0][2]).toBe("temperature is 21 degrees");
    const metrics = await (await fetch(`http://127.0.0.1:${ledge.process.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/^ledge_pipeline_late_total\{pipeline="temp10s"\} 1$/m);
    expect(metrics).toMatch(/^ledge_pipeline_dlq_total\{pipeline="temp10s"\} 2$/m);
    expect(metrics).toMatch(/^ledge_pipeline_windows_emitted_total\{pipeline="temp10s"\} 60$/m);
    expect(metrics).toMatch(/^ledge_pipeline_events_total\{pipeline="temp10s"\} 601$/m);
  });
});
