// The wasm window engine against the plain-JS reference (./reference.ts) on randomised streams:
// many keys, out of order within grace, late records, bad records, every window type (tumbling,
// hopping, session, count, sliding), emit final and update, several source partitions; quantiles
// within the sketch's 1%.
import { describe, it, expect } from "vitest";
import { encodeBatch } from "../../runtime/core/index.ts";
import { WindowEngine, type OutRecord } from "../../runtime/pipelines/window-engine.ts";
import { config, expectSameAsReference, runEngine } from "./engine-run.ts";
import { batchesOf, randomStream } from "./streams.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

describe("window engine vs a plain-JS reference", () => {
  for (const seed of [1, 2, 3]) {
    it(`tumbling 1 s, grace 1 s, 300 keys, 3 partitions (seed ${seed})`, () => {
      expectSameAsReference(config({ type: "tumbling", size: "1s", grace: "1s" }), randomStream(seed, 20_000, 300, 3), 97);
    });
  }

  it("hopping 2 s every 500 ms, grace 500 ms", () => {
    expectSameAsReference(config({ type: "hopping", size: "2s", advance: "500ms", grace: "500ms" }), randomStream(7, 15_000, 50, 2), 64);
  });

  it("match filter and key topic[1] from the MQTT topic in the record key", () => {
    const records = randomStream(9, 8_000, 40, 1).map((r, i) => (i % 10 === 0 ? { ...r, key: "other/x/telemetry" } : r));
    expectSameAsReference(config({ type: "tumbling", size: "1s" }, { key: "topic[1]", match: "sensors/+/telemetry" }), records, 50);
  });

  it("match filters and topic-level keys at the edges (through the fused kernel): $-topics, no record key, too few levels, empty levels, #", () => {
    const odd = [null, "sensors", "sensors/", "sensors//telemetry", "$sensors/dx/telemetry", "sensors/dq/telemetry/x", "other/dz"];
    const records = randomStream(13, 8_000, 40, 2).map((r, i) => (i % 7 === 0 ? { ...r, key: odd[(i / 7) % odd.length] } : r));
    for (const [match, level] of [["sensors/#", 1], ["+/+/telemetry", 1], ["$sensors/+/telemetry", 1], [undefined, 2]] as const) {
      expectSameAsReference(config({ type: "tumbling", size: "1s" }, { key: `topic[${level}]`, ...(match !== undefined ? { match } : {}) }), records, 50);
    }
    // The dead-letter reason of a topic without the key's level.
    const engine = new WindowEngine(config({ type: "tumbling", size: "1s" }, { key: "topic[1]", match: "sensors/#" }));
    engine.processBatch(0, encodeBatch([{ key: utf8.encode("sensors"), value: utf8.encode('{"ts":1,"temp":1,"hum":2}'), timestampMs: 5 }]));
    const [dead] = engine.take().dlq;
    expect(text.decode(dead.headers!.find((h) => h.key === "reason")!.value!)).toBe("the record key (the MQTT topic) has no level 1 for the group key topic[1]");
  });

  it("gives the same results whatever the batch boundaries (what replay after a crash relies on)", () => {
    const c = config({ type: "tumbling", size: "1s", grace: "1s" });
    const records = randomStream(11, 10_000, 100, 1);
    const a = runEngine(c, records, 1000).results.map((r) => text.decode(r.value!));
    const b = runEngine(c, records, 7).results.map((r) => text.decode(r.value!));
    expect(b).toEqual(a);
  });

  it("a checkpoint restored into a fresh engine continues exactly as the original", () => {
    const c = config({ type: "tumbling", size: "1s", grace: "1s" });
    const records = randomStream(12, 10_000, 100, 2);
    const whole = runEngine(c, records, 100).results.map((r) => `${r.partition} ${text.decode(r.value!)}`);
    const batches = batchesOf(records, 100);
    const first = new WindowEngine(c);
    const out: OutRecord[] = [];
    const half = Math.floor(batches.length / 2);
    for (const b of batches.slice(0, half)) {
      first.processBatch(b.partition, b.batch);
      first.closeDue();
      out.push(...first.take().results);
    }
    const second = new WindowEngine(c);
    second.restore(first.checkpoint());
    for (const b of batches.slice(half)) {
      second.processBatch(b.partition, b.batch);
      second.closeDue();
      out.push(...second.take().results);
    }
    out.sort((a, b) => a.partition - b.partition);
    expect(out.map((r) => `${r.partition} ${text.decode(r.value!)}`)).toEqual(whole);
  });

  it("openWindowCountMax: a record that would open one window more per partition is dead-lettered; the open ones go on", () => {
    const c = config({ type: "hopping", size: "2s", advance: "1s" }, { openWindowCountMax: 5 });
    const engine = new WindowEngine(c);
    const doc = (device: string, ts: number) => ({ key: null, value: utf8.encode(JSON.stringify({ device, ts, temp: 1, hum: 2 })), timestampMs: ts });
    // a, b: two windows each (4 open); c needs two more: refused whole; a again fits; d on another partition fits.
    engine.processBatch(0, encodeBatch([doc("a", 1500), doc("b", 1600), doc("c", 1700), doc("a", 1800)]));
    engine.processBatch(1, encodeBatch([doc("d", 1500)]));
    expect(engine.openWindowCount).toBe(6);
    const dlq = engine.take().dlq;
    expect(dlq.map((r) => text.decode(r.headers![0].value!))).toEqual([
      "the pipeline already holds openWindowCountMax (5) open windows for source partition 0; raise it, or use fewer keys or shorter windows",
    ]);
    expect(JSON.parse(text.decode(dlq[0].value!)).device).toBe("c");
    // Refused too (two new windows), but its time moves the watermark: the full windows close.
    engine.processBatch(0, encodeBatch([doc("a", 9000)]));
    engine.closeDue();
    const out = engine.take();
    expect(out.dlq).toHaveLength(1);
    expect(out.results.map((r) => JSON.parse(text.decode(r.value!))).map((r) => `${r.key}@${r.window.start}:${r.count}`))
      .toEqual(["a@0:2", "b@0:1", "a@1000:2", "b@1000:1"]);
    engine.processBatch(0, encodeBatch([doc("a", 9100)]));
    expect(engine.take().dlq).toHaveLength(0);
    expect(engine.openWindowCount).toBe(4); // d's two on partition 1, a's two new ones
  });

  it("dead-letters bad input with a reason header and keeps going", () => {
    const c = config({ type: "tumbling", size: "1s" });
    const engine = new WindowEngine(c);
    const bad = ["{\"device\":\"d1\",\"ts\":1,\"temp\":1", "{\"ts\":1,\"temp\":1,\"hum\":2}", "{\"device\":\"d1\",\"ts\":1,\"temp\":\"hot\",\"hum\":2}", "not json"];
    engine.processBatch(0, encodeBatch(bad.map((v) => ({ key: null, value: utf8.encode(v), timestampMs: 5 }))));
    const reasons = engine.take().dlq.map((r) => text.decode(r.headers!.find((h) => h.key === "reason")!.value!));
    expect(reasons).toEqual([
      expect.stringMatching(/^not JSON: an unexpected byte, or the document ends too early \(at byte \d+\)$/),
      "the key field 'device' is missing, not a string or number",
      "the field 'temp' is a string, not a finite number",
      expect.stringMatching(/^not JSON/),
    ]);
    expect(engine.counts.dlq).toBe(4);
  });
});
