// WindowAccumulators (wasm-core/assembly/window-accumulate.ts): batches folded into slots in one
// call, against plain JS; merging two slots (Chan's formula) as one slot of both; checkpoints.
import { describe, expect, it } from "vitest";
import { Status, WINDOW_FIELD_F64S, WindowAccumulators, WindowField } from "../../runtime/core/index.ts";
import { core } from "../../runtime/core/wasm.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const F = 2;

function plain(values: number[], times: number[]) {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  const mean = sum / n;
  let first = 0;
  let last = 0;
  for (let i = 1; i < n; i++) {
    if (times[i] < times[first]) first = i;
    if (times[i] >= times[last]) last = i;
  }
  return { sum, min: Math.min(...values), max: Math.max(...values), first: values[first], last: values[last], m2: values.reduce((a, v) => a + (v - mean) ** 2, 0) };
}

function fill(acc: WindowAccumulators, slots: number[], n: number, seed: number) {
  const rand = seededRandom(seed);
  const times = Float64Array.from({ length: n }, () => Math.floor(rand() * 1000));
  const values = Float64Array.from({ length: n * F }, () => Math.round(rand() * 2000 - 1000) / 8);
  const slotOf = Int32Array.from({ length: n }, () => slots[Math.floor(rand() * slots.length)]);
  acc.feed(slotOf, Int32Array.from({ length: n }, (_, i) => i), n, times, values, n);
  return { times, values, slotOf };
}

describe("WindowAccumulators", () => {
  it("folds a batch into many slots as plain JS does, with quantiles from the sketches", () => {
    const acc = new WindowAccumulators(F, { quantiles: true });
    const slots = Array.from({ length: 40 }, () => acc.allocate());
    const n = 5000;
    const { times, values, slotOf } = fill(acc, slots, n, 3);
    for (const slot of slots) {
      const idx = [...slotOf.keys()].filter((i) => slotOf[i] === slot);
      const got = acc.read(slot);
      expect(got[0]).toBe(idx.length);
      for (let f = 0; f < F; f++) {
        const vs = idx.map((i) => values[f * n + i]);
        const want = plain(vs, idx.map((i) => times[i]));
        const at = (k: number) => got[1 + f * WINDOW_FIELD_F64S + k];
        expect([at(WindowField.sum), at(WindowField.min), at(WindowField.max), at(WindowField.first), at(WindowField.last)]).toEqual([want.sum, want.min, want.max, want.first, want.last]);
        expect(Math.abs(at(WindowField.m2) - want.m2)).toBeLessThanOrEqual(1e-9 * want.m2);
        const sorted = [...vs].sort((a, b) => a - b);
        const p95 = sorted[Math.floor(0.95 * (sorted.length - 1))];
        expect(Math.abs(acc.quantiles(slot, f, [0.95])[0] - p95)).toBeLessThanOrEqual(0.01 * Math.abs(p95));
      }
    }
  });

  it("merge(a, b) equals one slot fed with both; serialize/restore gives the same slot back", () => {
    const acc = new WindowAccumulators(F, { quantiles: true });
    const [a, b, both] = [acc.allocate(), acc.allocate(), acc.allocate()];
    const x = fill(acc, [a], 300, 5);
    const y = fill(acc, [b], 200, 6);
    acc.feed(Int32Array.from({ length: 300 }, () => both), Int32Array.from({ length: 300 }, (_, i) => i), 300, x.times, x.values, 300);
    acc.feed(Int32Array.from({ length: 200 }, () => both), Int32Array.from({ length: 200 }, (_, i) => i), 200, y.times, y.values, 200);
    acc.merge(a, b);
    const merged = acc.read(a);
    const direct = acc.read(both);
    for (let k = 0; k < merged.length; k++) {
      const isMoment = (k - 1) % WINDOW_FIELD_F64S === WindowField.mean || (k - 1) % WINDOW_FIELD_F64S === WindowField.m2 || (k - 1) % WINDOW_FIELD_F64S === WindowField.sum;
      if (isMoment) expect(Math.abs(merged[k] - direct[k])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(direct[k])));
      else expect(merged[k]).toBe(direct[k]);
    }
    expect([...acc.quantiles(a, 1, [0.5, 0.99])]).toEqual([...acc.quantiles(both, 1, [0.5, 0.99])]);
    const restored = acc.restore(acc.serialize(a));
    expect([...acc.read(restored)]).toEqual([...merged]);
    expect([...acc.quantiles(restored, 0, [0.9])]).toEqual([...acc.quantiles(a, 0, [0.9])]);
  });

  it("a released slot reused (its sketch cleared run by run) is byte for byte a fresh one fed the same", () => {
    const acc = new WindowAccumulators(F, { quantiles: true });
    const used = acc.allocate();
    fill(acc, [used], 4000, 8); // wide values: runs grow down and fold
    acc.release(used);
    const reused = acc.allocate();
    expect(reused).toBe(used);
    const fresh = acc.allocate();
    fill(acc, [reused], 50, 9);
    fill(acc, [fresh], 50, 9);
    expect([...acc.serialize(reused)]).toEqual([...acc.serialize(fresh)]);
  });

  it("the kernel refuses a slot or record outside its state with a status, folding nothing", () => {
    const acc = new WindowAccumulators(1, { quantiles: false });
    const slot = acc.allocate();
    expect(() => acc.feed(Int32Array.of(slot, 99), Int32Array.of(0, 0), 2, Float64Array.of(1), Float64Array.of(5), 1)).toThrow(/window accumulator got a slot or record outside its state/);
    expect(acc.read(slot)[0]).toBe(0);
    const kernels = core().exports as unknown as { windowAccumulate(...a: number[]): number };
    expect(kernels.windowAccumulate(0, 1, 1, 0, 0, 0, 0, 1, 65, 0)).toBe(Status.ERR_WINDOW_ARGUMENTS);
  });
});
