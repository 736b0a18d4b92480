// The wasm quantile sketch against exact quantiles of sorted arrays. Rank definition: the
// quantile q of n values is sorted[floor(q * (n - 1))] (0-based; the lower neighbour), and every
// answer must be within 1% of it relative to its magnitude (exactly 0 when it is 0). The 1e-9
// slack covers only floating-point rounding at bucket edges.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  QuantileSketches, SKETCH_BINS_MAX, SKETCH_BINS_MIN, SKETCH_RELATIVE_ACCURACY, type SketchHandle,
} from "../../runtime/core/quantile-sketch.ts";
import { CorruptStateError, Status } from "../../runtime/core/errors.ts";
import { core } from "../../runtime/core/wasm.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const FRACTIONS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
const TOLERANCE = SKETCH_RELATIVE_ACCURACY * (1 + 1e-9);
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);

type Random = () => number;

function normal(rand: Random): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const distributions: Record<string, (rand: Random) => number> = {
  uniform: (rand) => rand() * 1000,
  lognormal: (rand) => Math.exp(2 * normal(rand)),
  "normal with zeros": (rand) => (rand() < 0.1 ? 0 : 100 * normal(rand)),
  "negative lognormal": (rand) => -Math.exp(2 * normal(rand)),
  "mixed signs and -0": (rand) => (rand() < 0.05 ? -0 : (rand() < 0.5 ? -1 : 1) * Math.exp(normal(rand))),
  "integers with ties": (rand) => Math.floor(rand() * 20) - 5,
  tiny: (rand) => 1e-300 * (1 + rand()),
  huge: (rand) => 1e300 * (1 + rand()),
  subnormal: (rand) => 5e-324 * Math.floor(1 + rand() * 1e6),
};

function exactQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

/** Fractions whose answer is off by more than 1% (empty when all are within). */
function misses(pool: QuantileSketches, sketch: SketchHandle, values: Float64Array, fractions = FRACTIONS): string[] {
  const sorted = Float64Array.from(values).sort();
  const got = pool.quantiles(sketch, fractions);
  return fractions.flatMap((q, i) => {
    const exact = exactQuantile(sorted, q);
    const ok = exact === 0 ? got[i] === 0 : Math.abs(got[i] - exact) <= TOLERANCE * Math.abs(exact);
    return ok ? [] : [`q ${q}: exact ${exact}, sketch ${got[i]}`];
  });
}

/** The two stores of a serialised sketch (layout in quantile-sketch.ts): low and counters each. */
function storesOf(bytes: Uint8Array): { low: number; counts: number[] }[] {
  let at = 24;
  const varint = (): number => {
    let v = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = bytes[at++];
      v += (b & 0x7f) * shift;
      if (b < 0x80) return v;
    }
  };
  varint(); // count
  varint(); // zeros
  return [0, 1].map(() => {
    const zigzag = varint();
    const low = zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    const counts = Array.from({ length: varint() }, varint);
    return { low: counts.length === 0 ? 0 : low, counts };
  });
}

/** Adds values in random-sized bulk calls. */
function addInChunks(pool: QuantileSketches, sketch: SketchHandle, values: Float64Array, rand: Random): void {
  for (let at = 0; at < values.length;) {
    const to = Math.min(values.length, at + 1 + Math.floor(rand() * 5000));
    expect(pool.add(sketch, values, at, to)).toBe(0);
    at = to;
  }
}

describe("quantile sketch accuracy (1% relative, rank floor(q (n - 1)))", () => {
  const pool = new QuantileSketches();

  for (const [name, draw] of Object.entries(distributions)) {
    it(`${name}: every quantile within 1%, for 1 to 100,000 values`, () => {
      const rand = seededRandom(name.length * 7919);
      for (const n of [1, 2, 3, 10, 1000, 100_000]) {
        const values = Float64Array.from({ length: n }, () => draw(rand));
        const sketch = pool.create();
        addInChunks(pool, sketch, values, rand);
        expect(pool.count(sketch)).toBe(n);
        expect(misses(pool, sketch, values), `${n} values`).toEqual([]);
        pool.release(sketch);
      }
    });
  }

  it("skips NaN and ±Infinity, saying how many; an empty sketch or q outside [0, 1] answers NaN", () => {
    const sketch = pool.create();
    expect(pool.quantile(sketch, 0.5)).toBeNaN();
    expect(pool.add(sketch, Float64Array.from([1, NaN, Infinity, -Infinity, 3]))).toBe(3);
    expect(pool.count(sketch)).toBe(2);
    expect(pool.quantile(sketch, 0)).toBe(1); // clamped to the exact min and max
    expect(pool.quantile(sketch, 1)).toBe(3);
    expect([...pool.quantiles(sketch, [-0.1, 1.1, NaN])]).toEqual([NaN, NaN, NaN]);
    pool.release(sketch);
  });
});

describe("merging and serialising", () => {
  const pool = new QuantileSketches();

  function sketchOf(values: Float64Array): SketchHandle {
    const sketch = pool.create();
    pool.add(sketch, values);
    return sketch;
  }

  it("merge(a, b) is the sketch of a ∪ b, byte for byte, in any order", () => {
    const rand = seededRandom(5);
    for (const draw of Object.values(distributions)) {
      const values = Float64Array.from({ length: 20_000 }, () => draw(rand));
      const whole = sketchOf(values);
      const cuts = [0, 3000, 3001, 12_000, 20_000];
      const parts = cuts.slice(1).map((end, i) => sketchOf(values.subarray(cuts[i], end)));
      const merged = pool.create();
      for (const part of [...parts].reverse()) pool.merge(merged, part);
      expect(pool.serialize(merged)).toEqual(pool.serialize(whole));
      expect(misses(pool, merged, values)).toEqual([]);
      for (const s of [whole, merged, ...parts]) pool.release(s);
    }
  });

  it("bytes round-trip to the same sketch, and an empty sketch round-trips too", () => {
    const rand = seededRandom(6);
    const values = Float64Array.from({ length: 5000 }, () => distributions["mixed signs and -0"](rand));
    const original = sketchOf(values);
    const bytes = pool.serialize(original);
    const copy = pool.create();
    pool.restore(copy, bytes);
    expect(pool.serialize(copy)).toEqual(bytes);
    expect(pool.quantiles(copy, FRACTIONS)).toEqual(pool.quantiles(original, FRACTIONS));
    const empty = pool.create();
    pool.restore(copy, pool.serialize(empty));
    expect(pool.count(copy)).toBe(0);
    for (const s of [original, copy, empty]) pool.release(s);
  });

  it("malformed bytes are refused with CorruptStateError and leave the sketch as it was", () => {
    const rand = seededRandom(8);
    const bytes = pool.serialize(sketchOf(Float64Array.from({ length: 300 }, () => distributions["mixed signs and -0"](rand))));
    const target = sketchOf(Float64Array.from([1, 2, 3]));
    const before = pool.serialize(target);
    const attempts: Uint8Array[] = [];
    for (let cut = 0; cut < bytes.length; cut++) attempts.push(bytes.subarray(0, cut));
    attempts.push(Uint8Array.from([...bytes, 0]));
    for (let i = 0; i < 3000; i++) {
      const mutated = bytes.slice();
      mutated[Math.floor(rand() * mutated.length)] = Math.floor(rand() * 256);
      attempts.push(mutated);
    }
    let refused = 0;
    for (const attempt of attempts) {
      try {
        pool.restore(target, attempt);
        pool.restore(target, before); // accepted: a consistent sketch; put the original back
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptStateError);
        expect(err).toMatchObject({ code: "LEDGE_ERR_CORRUPT_STATE", statusName: "ERR_SKETCH_CORRUPT" });
        refused++;
      }
      expect(pool.serialize(target)).toEqual(before);
    }
    expect(refused).toBeGreaterThan(bytes.length);
  });
});

describe("bounded memory: the bucket cap and its collapsing rule", () => {
  it("a sketch takes memory for the buckets it holds: 2,000 window-sized sketches in under 2 MiB", () => {
    const pool = new QuantileSketches(); // the default cap, 1024 buckets per sign
    const rand = seededRandom(8);
    // Temperatures of one device in one window: ~40 buckets of the positive store.
    const window = () => Float64Array.from({ length: 50 }, () => 15 + rand() * 15);
    pool.release(pool.create()); // the scratch region for values, once
    pool.add(pool.create(), window());
    const before = core().exports.memory.buffer.byteLength;
    const sketches = Array.from({ length: 2000 }, () => pool.create());
    for (const sketch of sketches) pool.add(sketch, window());
    // A dense store of the cap would take 2,000 x 16 KiB = 31 MiB.
    expect(core().exports.memory.buffer.byteLength - before).toBeLessThan(2 << 20);
    for (const sketch of sketches) expect(pool.count(sketch)).toBe(50);
    for (const sketch of sketches) pool.release(sketch);
  });

  it("filled to its cap, a sketch reserves nothing more however many values it takes", () => {
    const pool = new QuantileSketches({ binsMax: 128 });
    const sketch = pool.create();
    const rand = seededRandom(9);
    const values = Float64Array.from({ length: 200_000 }, () => (rand() < 0.5 ? -1 : 1) * Math.exp(300 * normal(rand)));
    pool.add(sketch, values.subarray(0, 100_000)); // grows the scratch region for values once
    const before = core().exports.memory.buffer.byteLength;
    pool.add(sketch, values.subarray(100_000));
    expect(core().exports.memory.buffer.byteLength).toBe(before);
    expect(pool.serialize(sketch).length).toBeLessThan(24 + 10 * (2 * 128 + 6));
    pool.release(sketch);
  });

  it("stores that grow, shift and fold hold what a plain model of the collapsing rule holds", () => {
    // The model: per sign, every index counts in max(index, highest - binsMax + 1), so only the
    // extremes decide the fold (negative values by their negated index, so the largest magnitudes
    // fold). The sketch's own key of each value (a one-value sketch) is used,
    // so this checks the stores, not the logarithm.
    const rand = seededRandom(12);
    const indexOf = (pool: QuantileSketches, x: number): number => {
      const one = pool.create();
      pool.add(one, Float64Array.of(x));
      const bytes = pool.serialize(one);
      pool.release(one);
      return storesOf(bytes)[x > 0 ? 0 : 1].low;
    };
    for (let round = 0; round < 40; round++) {
      const binsMax = SKETCH_BINS_MIN + Math.floor(rand() * 100);
      const pool = new QuantileSketches({ binsMax });
      const spread = 0.01 + rand() * 3; // from one bucket's width to far past the cap
      const centre = rand() * 20 - 10;
      const values = Float64Array.from({ length: 1 + Math.floor(rand() * 400) }, () => (rand() < 0.2 ? -1 : 1) * Math.exp(centre + spread * normal(rand)));
      const sketch = pool.create();
      for (const v of values) pool.add(sketch, Float64Array.of(v)); // one at a time: every growth step
      const expected = [0, 1].map((side) => {
        const keys = [...values].filter((v) => (side === 0 ? v > 0 : v < 0)).map((v) => indexOf(pool, v));
        if (keys.length === 0) return { low: 0, counts: [] as number[] };
        const high = Math.max(...keys);
        const low = Math.max(Math.min(...keys), high - binsMax + 1);
        const counts = new Array<number>(high - low + 1).fill(0);
        for (const k of keys) counts[Math.max(k, low) - low]++;
        return { low, counts };
      });
      const got = storesOf(pool.serialize(sketch));
      expect(got, `round ${round}, binsMax ${binsMax}, ${values.length} values`).toEqual(expected);
      pool.release(sketch);
    }
  });

  it("past the cap, the smallest magnitudes fold first: quantiles within gamma^binsMax of the extremes stay within 1%", () => {
    const binsMax = 1024;
    const pool = new QuantileSketches({ binsMax });
    const rand = seededRandom(10);
    // Spans about e^-26 .. e^26, more than gamma^1024 (about e^20.5): the low half folds.
    const values = Float64Array.from({ length: 50_000 }, () => Math.exp(6 * normal(rand)));
    const sketch = pool.create();
    pool.add(sketch, values);
    const sorted = Float64Array.from(values).sort();
    const max = sorted[sorted.length - 1];
    const kept = FRACTIONS.filter((q) => exactQuantile(sorted, q) > max / GAMMA ** (binsMax - 2));
    expect(kept).toContain(0.99);
    expect(kept).not.toContain(0.5); // the test must cross the cap
    expect(misses(pool, sketch, values, kept)).toEqual([]);
    // Folding depends only on the extremes, so merge still equals the sketch of the union.
    const a = pool.create();
    const b = pool.create();
    pool.add(a, values.subarray(0, 25_000));
    pool.add(b, values.subarray(25_000));
    pool.merge(b, a);
    expect(pool.serialize(b)).toEqual(pool.serialize(sketch));
  });

  it("negative values fold from the largest magnitudes, keeping the upper quantiles", () => {
    const pool = new QuantileSketches({ binsMax: 64 });
    const rand = seededRandom(11);
    const values = Float64Array.from({ length: 20_000 }, () => -Math.exp(10 * normal(rand)));
    const sketch = pool.create();
    pool.add(sketch, values);
    const sorted = Float64Array.from(values).sort();
    const top = sorted[sorted.length - 1]; // the negative value nearest zero
    const kept = FRACTIONS.filter((q) => Math.abs(exactQuantile(sorted, q)) < Math.abs(top) * GAMMA ** (64 - 2));
    expect(kept).toContain(1);
    expect(kept).not.toContain(0);
    expect(misses(pool, sketch, values, kept)).toEqual([]);
  });

  it("bytes from a larger cap fold into a smaller one: counts kept, quantiles near the max within 1%", () => {
    const wide = new QuantileSketches({ binsMax: 1024 });
    const narrow = new QuantileSketches({ binsMax: 256 }); // a factor of gamma^255 (about 160) below the max
    const rand = seededRandom(12);
    const values = Float64Array.from({ length: 10_000 }, () => Math.exp(2 * normal(rand)));
    const source = wide.create();
    wide.add(source, values);
    const restored = narrow.create();
    narrow.restore(restored, wide.serialize(source));
    expect(narrow.count(restored)).toBe(values.length);
    const sorted = Float64Array.from(values).sort();
    expect(exactQuantile(sorted, 0.5)).toBeLessThan(sorted[sorted.length - 1] / GAMMA ** 255); // the fold happened
    const kept = FRACTIONS.filter((q) => exactQuantile(sorted, q) > sorted[sorted.length - 1] / GAMMA ** 254);
    expect(kept).toContain(0.99);
    expect(misses(narrow, restored, values, kept)).toEqual([]);
    const direct = narrow.create();
    narrow.add(direct, values);
    expect(narrow.serialize(restored)).toEqual(narrow.serialize(direct));
  });

  it("released sketches are reused: 2,000 create/release cycles reserve nothing more", () => {
    const pool = new QuantileSketches({ binsMax: 512 });
    pool.release(pool.create());
    const before = core().exports.memory.buffer.byteLength;
    for (let i = 0; i < 2000; i++) {
      const sketch = pool.create();
      pool.add(sketch, Float64Array.from([i, -i, 0]));
      expect(pool.count(sketch)).toBe(3); // a reused sketch starts empty
      pool.release(sketch);
    }
    expect(core().exports.memory.buffer.byteLength).toBe(before);
  });

  it("refuses caps out of range and dead handles, naming them", () => {
    expect(() => new QuantileSketches({ binsMax: SKETCH_BINS_MIN - 1 })).toThrow(RangeError);
    expect(() => new QuantileSketches({ binsMax: SKETCH_BINS_MAX + 1 })).toThrow(/16 to 32768/);
    const pool = new QuantileSketches();
    const sketch = pool.create();
    pool.release(sketch);
    expect(() => pool.add(sketch, Float64Array.from([1]))).toThrow(/not live/);
    expect(() => new QuantileSketches().count(pool.create())).toThrow(/not live/);
  });

  it("the TypeScript constants match the kernel's; kernels refuse memory that is not a sketch", () => {
    const source = readFileSync(new URL("../../wasm-core/assembly/quantile-sketch.ts", import.meta.url), "utf8");
    expect(source).toContain(`SKETCH_RELATIVE_ACCURACY: f64 = ${SKETCH_RELATIVE_ACCURACY};`);
    expect(source).toContain(`SKETCH_BINS_MIN: i32 = ${SKETCH_BINS_MIN};`);
    expect(source).toContain(`SKETCH_BINS_MAX: i32 = ${SKETCH_BINS_MAX};`);
    const wasm = core();
    const kernels = wasm.exports as unknown as Record<string, (...args: number[]) => number>;
    const scratch = wasm.alloc(4096);
    new Uint8Array(wasm.exports.memory.buffer, scratch, 4096).fill(0);
    expect(kernels.sketchAdd(scratch, scratch, 1)).toBe(Status.ERR_SKETCH_ARGUMENTS);
    expect(kernels.sketchCount(scratch)).toBe(Status.ERR_SKETCH_ARGUMENTS);
    expect(kernels.sketchInit(scratch, 8)).toBe(Status.ERR_SKETCH_ARGUMENTS);
    expect(kernels.sketchInit(wasm.exports.memory.buffer.byteLength - 32, 16)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    expect(kernels.sketchInit(scratch, 16)).toBe(0);
    expect(kernels.sketchMerge(scratch, scratch)).toBe(Status.ERR_SKETCH_ARGUMENTS);
    expect(kernels.sketchSerialize(scratch, scratch + 2048, 10)).toBe(Status.ERR_SKETCH_ARGUMENTS);
  });
});
