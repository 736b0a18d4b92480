// CI's fuzzing: 10,000 inputs per target (test/fuzz/targets.ts) with a fixed seed, on the debug
// (bounds-checked) wasm build. Each input is a mutated, truncated, concatenated and randomly
// split capture of real client traffic; it must end in a value or a typed error, in time, within
// the target's output bound. Longer runs: `npm run fuzz -- all --runs 1000000 --seed S`.
import { describe, expect, it } from "vitest";
import { fuzzTargets } from "./targets.ts";
import { fuzzTarget } from "./property.ts";

const RUNS_PER_TARGET = 10_000;
const SEED = 17;

describe("fuzzing every parser", () => {
  for (const target of fuzzTargets) {
    it(`${target.name}: ${RUNS_PER_TARGET} inputs, a value or a typed error each`, () => {
      const report = fuzzTarget(target, { runs: RUNS_PER_TARGET, seed: SEED });
      if (process.env.LEDGE_FUZZ_PRINT) console.log(JSON.stringify(report));
      const total = Object.values(report.outcomes).reduce((a, b) => a + b, 0);
      expect(total).toBe(RUNS_PER_TARGET);
      // The seeds are reached past their first check: more than one kind of outcome.
      expect(Object.keys(report.outcomes).length).toBeGreaterThan(1);
    }, 120_000); // bounded by RUNS_PER_TARGET; room for a loaded 2-core CI
  }
});
