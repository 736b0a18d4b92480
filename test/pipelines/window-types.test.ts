// Session, count and sliding windows and emit: update, against the plain-JS reference
// (./reference.ts) on randomised streams (many keys, several partitions, out of order within
// grace, late and bad records), plus hand-made cases whose output is written out in full.
import { describe, expect, it } from "vitest";
import { encodeBatch } from "../../runtime/core/index.ts";
import type { PipelineConfig } from "../../runtime/config/pipelines.ts";
import { WindowEngine, type OutRecord } from "../../runtime/pipelines/window-engine.ts";
import { config, expectSameAsReference, runEngine } from "./engine-run.ts";
import { batchesOf, randomStream } from "./streams.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

const session = { type: "session", gap: "1s", grace: "1s" };
const count = { type: "count", size: 5 };
const sliding = { type: "sliding", size: "1s", grace: "500ms" };

function doc(device: string, ts: number, temp = 1) {
  return { key: null, value: utf8.encode(JSON.stringify({ device, ts, temp, hum: 2 })), timestampMs: ts };
}

function values(out: OutRecord[]): unknown[] {
  return out.map((r) => JSON.parse(text.decode(r.value!)));
}

/** Runs the batches through one engine, or through two with a checkpoint handed over after `cut` batches. */
function runWithRestart(c: PipelineConfig, seed: number, cut: number | null): string[] {
  const batches = batchesOf(randomStream(seed, 8_000, 60, 2), 50);
  let engine = new WindowEngine(c);
  const out: OutRecord[] = [];
  batches.forEach((b, i) => {
    if (i === cut) {
      const next = new WindowEngine(c);
      next.restore(engine.checkpoint());
      engine.close();
      engine = next;
    }
    engine.processBatch(b.partition, b.batch);
    engine.closeDue();
    out.push(...engine.take().results);
  });
  return out.sort((a, b) => a.partition - b.partition).map((r) => `${r.partition} ${r.timestampMs} ${text.decode(r.value!)}`);
}

describe("session windows", () => {
  for (const seed of [1, 2, 3]) {
    it(`vs the reference: gap 1 s, grace 1 s, 100 keys, 3 partitions, sessions merging (seed ${seed})`, () => {
      const want = expectSameAsReference(config(session), randomStream(seed, 20_000, 100, 3), 97);
      expect(want.merges).toBeGreaterThan(0);
    });
  }

  it("a record within gap of two sessions merges them: counts, sums, extremes, first/last by time, stddev (Chan) and percentiles", () => {
    const engine = new WindowEngine(config({ type: "session", gap: "1s", grace: "5s" }));
    engine.processBatch(0, encodeBatch([doc("a", 10_000, 1), doc("a", 10_500, 2), doc("a", 12_000, 10), doc("b", 10_200, 7)]));
    engine.closeDue();
    expect(engine.openWindowCount).toBe(3);
    // 11_200 is within 1 s of both a-sessions (last 10_500, first 12_000): one session remains.
    engine.processBatch(0, encodeBatch([doc("a", 11_200, 4)]));
    expect(engine.openWindowCount).toBe(2);
    engine.processBatch(0, encodeBatch([doc("z", 30_000)]));
    engine.closeDue();
    const [b, a] = values(engine.take().results) as Array<Record<string, unknown>>;
    const temps = [1, 2, 10, 4];
    const mean = temps.reduce((x, y) => x + y) / 4;
    expect(a).toMatchObject({ key: "a", window: { start: 10_000, end: 13_000 }, count: 4, temp: { sum: 17, min: 1, max: 10, avg: 4.25, first: 1, last: 10 } });
    expect((a.temp as { stddev: number }).stddev).toBeCloseTo(Math.sqrt(temps.reduce((x, v) => x + (v - mean) ** 2, 0) / 4), 12);
    expect((a.temp as { p50: number }).p50).toBeCloseTo(2, 1);
    expect(b).toMatchObject({ key: "b", window: { start: 10_200, end: 11_200 }, count: 1 });
  });

  it("a record below the watermark is late, even if an open session is within gap (it could touch one already written)", () => {
    const engine = new WindowEngine(config({ type: "session", gap: "10s", grace: "1s" }));
    engine.processBatch(0, encodeBatch([doc("a", 1000), doc("b", 5000), doc("a", 3000), doc("a", 4000)]));
    const out = engine.take();
    expect(out.late.map((r) => text.decode(r.headers![0].value!))).toEqual([
      "late: event time 3000 is below the watermark (a session window's records may be at most grace behind the largest event time) at watermark 4000",
    ]);
    expect(engine.counts.events).toBe(3);
  });

  it("openWindowCountMax bounds the open sessions per partition; a merge makes room", () => {
    const engine = new WindowEngine(config({ type: "session", gap: "1s", grace: "10s" }, { openWindowCountMax: 2 }));
    engine.processBatch(0, encodeBatch([doc("a", 1000), doc("a", 5000), doc("b", 5000), doc("a", 3000), doc("a", 4500), doc("b", 5100)]));
    // a@1000, a@5000 open; b refused; a@3000 a third session: refused; a@4500 joins a@5000; b still refused.
    expect(engine.take().dlq.map((r) => JSON.parse(text.decode(r.value!)).ts)).toEqual([5000, 3000, 5100]);
    engine.processBatch(0, encodeBatch([doc("a", 1900), doc("a", 2800), doc("a", 3700), doc("c", 6000)]));
    // 1900 extends a@1000; 2800 extends it; 3700 bridges to a@4500..5000: merged, room for c.
    expect(engine.take().dlq).toHaveLength(0);
    expect(engine.openWindowCount).toBe(2);
  });
});

describe("count windows", () => {
  for (const seed of [4, 5]) {
    it(`vs the reference: every 5 records of a key, 80 keys, 3 partitions, no late records (seed ${seed})`, () => {
      expectSameAsReference(config(count), randomStream(seed, 15_000, 80, 3), 61, false);
    });
  }

  it("start and end are the smallest and largest event time of its records; a window fills across batches; nothing is late", () => {
    const engine = new WindowEngine(config({ type: "count", size: 3 }));
    engine.processBatch(0, encodeBatch([doc("a", 5000, 1), doc("a", 2000, 2)]));
    engine.closeDue();
    expect(engine.take().results).toHaveLength(0);
    engine.processBatch(0, encodeBatch([doc("a", 9000, 3), doc("a", 1, 4), doc("a", 2, 5), doc("a", 3, 6), doc("a", 4, 7)]));
    engine.closeDue();
    const out = engine.take();
    expect(out.late).toHaveLength(0);
    expect(values(out.results)).toMatchObject([
      { key: "a", window: { start: 2000, end: 9000 }, count: 3, temp: { first: 2, last: 3, sum: 6 } },
      { key: "a", window: { start: 1, end: 3 }, count: 3, temp: { first: 4, last: 6 } },
    ]);
    expect(out.results.map((r) => r.timestampMs)).toEqual([9000, 3]);
    expect(engine.openWindowCount).toBe(1);
  });

  it("openWindowCountMax bounds the keys with a window being filled", () => {
    const engine = new WindowEngine(config({ type: "count", size: 2 }, { openWindowCountMax: 1 }));
    engine.processBatch(0, encodeBatch([doc("a", 1), doc("b", 2), doc("a", 3), doc("b", 4)]));
    expect(engine.take().dlq.map((r) => JSON.parse(text.decode(r.value!)).device)).toEqual(["b"]);
    engine.closeDue();
    expect(values(engine.take().results)).toMatchObject([{ key: "a", count: 2 }]);
    expect(engine.openWindowCount).toBe(1); // b@4 opened one once a's filled
  });
});

describe("sliding windows", () => {
  for (const seed of [6, 7]) {
    it(`vs the reference: size 1 s, grace 500 ms, 100 keys, 3 partitions (seed ${seed})`, () => {
      expectSameAsReference(config(sliding), randomStream(seed, 15_000, 100, 3), 83);
    });
  }

  it("one window per distinct event time of a key, [t − size, t] inclusive, with every record of the key inside", () => {
    const engine = new WindowEngine(config({ type: "sliding", size: "10s" }));
    engine.processBatch(0, encodeBatch([doc("a", 0, 1), doc("a", 5000, 2), doc("a", 10_000, 3), doc("a", 10_000, 4), doc("a", 12_000, 5), doc("a", 30_000, 0)]));
    engine.closeDue();
    expect(values(engine.take().results).map((r) => {
      const x = r as { window: { start: number; end: number }; count: number; temp: { sum: number } };
      return [x.window.start, x.window.end, x.count, x.temp.sum];
    })).toEqual([[-10_000, 0, 1, 1], [-5000, 5000, 2, 3], [0, 10_000, 4, 10], [2000, 12_000, 4, 14]]);
    expect(engine.openWindowCount).toBe(1);
  });

  it("openWindowCountMax bounds the records kept per partition; they are dropped once no window reaches them", () => {
    const engine = new WindowEngine(config({ type: "sliding", size: "1s" }, { openWindowCountMax: 3 }));
    engine.processBatch(0, encodeBatch([doc("a", 0), doc("a", 100), doc("b", 200), doc("c", 300)]));
    expect(engine.take().dlq.map((r) => JSON.parse(text.decode(r.value!)).device)).toEqual(["c"]);
    // Refused as well (3 kept), but its time moves the watermark: the records no window reaches go.
    engine.processBatch(0, encodeBatch([doc("a", 2000)]));
    expect(engine.take().dlq).toHaveLength(1);
    engine.closeDue();
    engine.processBatch(0, encodeBatch([doc("a", 3000), doc("b", 3100)]));
    expect(engine.take().dlq).toHaveLength(0);
  });
});

describe("every window type", () => {
  const types: Array<[string, Record<string, unknown>]> = [
    ["tumbling", { type: "tumbling", size: "1s", grace: "1s" }],
    ["hopping", { type: "hopping", size: "2s", advance: "1s", grace: "1s" }],
    ["session", session],
    ["count", count],
    ["sliding", sliding],
  ];
  for (const [name, window] of types) {
    it(`${name}, emit: update — each batch writes the new state of every window it changed, once, as the reference`, () => {
      expectSameAsReference(config(window, { emit: "update" }), randomStream(21, 6_000, 40, 2), 37, name !== "count");
    });

    it(`${name}: a checkpoint restored into a fresh engine continues exactly as the original (final and update)`, () => {
      for (const emit of ["final", "update"]) {
        const c = config(window, { emit });
        const whole = runWithRestart(c, 22, null);
        expect(whole.length).toBeGreaterThan(10);
        expect(runWithRestart(c, 22, 41)).toEqual(whole);
        expect(runWithRestart(c, 22, 97)).toEqual(whole);
      }
    });

    it(`${name}, emit: final — the same results whatever the batch boundaries`, () => {
      const c = config(window);
      const records = randomStream(23, 6_000, 40, 1);
      const a = runEngine(c, records, 500).results.map((r) => text.decode(r.value!));
      expect(a.length).toBeGreaterThan(10);
      expect(runEngine(c, records, 7).results.map((r) => text.decode(r.value!))).toEqual(a);
    });
  }
});
