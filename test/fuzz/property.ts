// The fuzzing property, shared by `npm run fuzz` and CI: fast-check mutates real client captures
// (a target's seeds) by bit flips, byte sets, "interesting" integers written over fields,
// insertions, deletions, truncation and concatenation with another capture, and cuts each input
// into random socket reads; now and then it feeds plain random bytes. Every input must end in a
// value or a typed error within `inputMsMax` (a hang that returns is caught here; one that never
// returns stops the runner, whose own timeout then fails). Outcomes are counted by label.
import fc from "fast-check";
import type { FuzzTarget } from "./targets.ts";

export interface FuzzOptions {
  runs: number;
  seed: number;
  /** The longest one input may take. */
  inputMsMax?: number;
}

export interface FuzzReport {
  target: string;
  runs: number;
  seed: number;
  elapsedMs: number;
  slowestInputMs: number;
  outcomes: Record<string, number>;
}

type Op =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; byte: number }
  | { kind: "int"; at: number; bytes: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; at: number }
  | { kind: "concat"; other: number };

const interesting = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x100];

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant("int" as const), at: fc.nat(), bytes: fc.constantFrom(1, 2, 4), value: fc.constantFrom(...interesting) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("concat" as const), other: fc.nat() }),
);

const join = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

function apply(seed: Uint8Array, ops: Op[], seeds: Uint8Array[]): Uint8Array {
  let b: Uint8Array = seed.slice();
  for (const o of ops) {
    const at = b.length === 0 || o.kind === "concat" ? 0 : o.at % b.length;
    switch (o.kind) {
      case "flip": if (b.length) b[at] ^= 1 << o.bit; break;
      case "set": if (b.length) b[at] = o.byte; break;
      case "int": for (let k = 0; k < o.bytes && at + k < b.length; k++) b[at + k] = (o.value >>> (8 * (o.bytes - 1 - k))) & 0xff; break;
      case "insert": b = join(b.subarray(0, at), o.bytes, b.subarray(at)); break;
      case "delete": b = join(b.subarray(0, at), b.subarray(at + o.count)); break;
      case "truncate": b = b.slice(0, at); break;
      case "concat": b = join(b, seeds[o.other % seeds.length]); break;
    }
  }
  return b;
}

/** Inputs for `target`: a mutated seed (or random bytes) and where to cut it into reads. */
export function fuzzInput(seeds: Uint8Array[]): fc.Arbitrary<{ input: Uint8Array; splits: number[]; variant: number }> {
  const mutated = fc.record({ seed: fc.nat(seeds.length - 1), ops: fc.array(op, { minLength: 0, maxLength: 6 }) })
    .map(({ seed, ops }) => apply(seeds[seed], ops, seeds));
  const input = fc.oneof({ arbitrary: mutated, weight: 9 }, { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 1 });
  return fc.record({ input, splits: fc.array(fc.nat(), { maxLength: 8 }), variant: fc.nat(3) });
}

/** Runs `options.runs` inputs through `target`; throws (with fast-check's shrunk counterexample
 * and the seed to replay it) when one breaks the property. */
export function fuzzTarget(target: FuzzTarget, options: FuzzOptions): FuzzReport {
  const seeds = target.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${target.name} has no seeds (run test/fixtures/fuzz/capture.ts)`);
  const inputMsMax = options.inputMsMax ?? 10_000;
  const outcomes: Record<string, number> = {};
  let slowestInputMs = 0;
  const started = performance.now();
  fc.assert(
    fc.property(fuzzInput(seeds), ({ input, splits, variant }) => {
      const t = performance.now();
      const outcome = target.run(input, splits, variant);
      const ms = performance.now() - t;
      slowestInputMs = Math.max(slowestInputMs, ms);
      if (ms > inputMsMax) throw new Error(`${target.name}: one input of ${input.length} bytes took ${ms.toFixed(0)} ms (over ${inputMsMax} ms: a hang)`);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }),
    { numRuns: options.runs, seed: options.seed, endOnFailure: true },
  );
  return { target: target.name, runs: options.runs, seed: options.seed, elapsedMs: Math.round(performance.now() - started), slowestInputMs: Math.round(slowestInputMs), outcomes };
}
