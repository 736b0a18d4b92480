// Session windows end to end as a user runs them: bin/ledge with two session pipelines in its YAML
// config (emit: final and emit: update), a kafkajs producer writing machine-cycle events (bursts,
// and late-sent events that bridge two sessions of a burst within grace), kcat reading the
// results. Final results equal the plain-JS reference; the last update of each session equals its
// final result.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kafka, logLevel } from "kafkajs";
import { readPipelineConfig } from "../../runtime/config/pipelines.ts";
import { ledgeForFile } from "../helpers/ledge-process.ts";
import { kcatRecords } from "./kcat-topic.ts";
import { compareResult, referenceWindows, type RefRecord } from "./reference.ts";

const sessions = {
  name: "cycles", from: "machine-events", key: "machine", time: "ts", fields: ["power"],
  window: { type: "session", gap: "3s", grace: "5m" }, aggregates: ["count", "sum", "min", "max", "first", "last", "stddev", "p90"], to: "cycles",
};
const live = { ...sessions, name: "cycles-live", emit: "update", to: "cycles-live" };
const yaml = `topics: [ { name: machine-events, partitions: 1 } ]
pipelines:
  - name: cycles
    from: machine-events
    key: machine
    time: ts
    fields: [power]
    window: { type: session, gap: 3s, grace: 5m }
    aggregates: [count, sum, min, max, first, last, stddev, p90]
    to: cycles
  - ${JSON.stringify(live)}
`;

const ledge = ledgeForFile("ledge-pipe-session-e2e-", yaml, { beforeAll, afterAll });
const base = 1_765_000_000_000;

/** kcat's records of a topic, polled until `count` are there. */
function consume(topic: string, count: number): Promise<string[][]> {
  return kcatRecords(ledge.process.ports.kafka!, topic, count, "%k\t%T\t%s", 60_000);
}

describe("session windows end to end: kafkajs in, kcat out", () => {
  it("writes each machine's bursts as sessions, merged where a late-sent event bridges two", { timeout: 120_000 }, async () => {
    // 12 machines × 3 bursts of 5 events 2 s apart (gap 3 s); even machines hold back their bursts'
    // middle event (the burst is two sessions until it arrives, 4 s apart) and send it last.
    const values: string[] = [];
    const heldBack: string[] = [];
    for (let burst = 0; burst < 3; burst++) {
      for (let m = 0; m < 12; m++) {
        for (let i = 0; i < 5; i++) {
          const v = JSON.stringify({ machine: `m${m}`, ts: base + burst * 60_000 + m * 10 + i * 2000, power: (m * 31 + burst * 7 + i * 13) % 97 });
          (m % 2 === 0 && i === 2 ? heldBack : values).push(v);
        }
      }
    }
    const flush = JSON.stringify({ machine: "clock", ts: base + 3_600_000, power: 0 });
    const all = [...values, ...heldBack, flush];
    const kafka = new Kafka({ clientId: "session-e2e", brokers: [`127.0.0.1:${ledge.process.ports.kafka}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      // Two sends, two stored batches: the bursts, then the held-back events and a far-ahead one that closes every session.
      for (const part of [values, [...heldBack, flush]]) {
        await producer.send({ topic: "machine-events", acks: -1, messages: part.map((value) => ({ key: JSON.parse(value).machine, value })) });
      }
    } finally {
      await producer.disconnect();
    }
    const records: RefRecord[] = all.map((value) => ({ partition: 0, key: JSON.parse(value).machine, value, timestampMs: 0 }));
    const config = readPipelineConfig(sessions);
    const want = referenceWindows(config, records);
    expect(want.results.length).toBe(36);
    expect(want.merges).toBe(18);

    const got = await consume("cycles", want.results.length);
    expect(got.length).toBe(want.results.length);
    const problems = got.flatMap(([key, timestamp, value], i) => [
      ...(key === want.results[i].key && Number(timestamp) === want.results[i].end ? [] : [`record ${i}: key ${key} timestamp ${timestamp}`]),
      ...compareResult(config, JSON.parse(value), want.results[i]),
    ]);
    expect(problems).toEqual([]);
    const m0 = JSON.parse(got.find(([k]) => k === "m0")![2]);
    expect(m0).toMatchObject({ key: "m0", window: { start: base, end: base + 8000 + 3000 }, count: 5 });

    // emit: update — one result per session the batch changed: the first batch 18 whole bursts and
    // 36 halves, the second the 18 merged bursts and the clock's session. The latest update of
    // each session (by key and start) is its final result.
    const updates = await consume("cycles-live", 73);
    expect(updates.length).toBe(73);
    const latest = new Map<string, string>();
    for (const [key, , value] of updates) latest.set(`${key} ${JSON.parse(value).window.start}`, value);
    const finals = new Map(got.map(([key, , value]) => [`${key} ${JSON.parse(value).window.start}`, value]));
    for (const [id, value] of finals) expect(latest.get(id), id).toBe(value);
  });
});
