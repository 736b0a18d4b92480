// 10,000 mutated and truncated batches per codec through validateBatch and decodeBatch on the
// debug (bounds-checked) wasm build: every outcome is a success or a typed LedgeWasmError;
// never a trap (WebAssembly.RuntimeError), a RangeError, a hang, or a damaged core afterwards.
import { describe, expect, it } from "vitest";
import {
  Compression, decodeBatch, encodeBatch, LedgeWasmError, validateBatch, type CompressionCodec, type RecordInput,
} from "../../runtime/core/index.ts";
import { compress } from "../../runtime/core/compression.ts";
import { defaultBuild } from "../../runtime/core/wasm.ts";
import { randomRecords, reseal, utf8 } from "./batch-fixtures.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const MUTANTS_PER_CODEC = 10_000;
const CODECS: CompressionCodec[] = [Compression.none, Compression.gzip, Compression.snappy, Compression.lz4, Compression.zstd];

function seedRecords(): RecordInput[][] {
  return [
    randomRecords(1, 10),
    randomRecords(20, 60),
    [
      { key: null, value: null, timestampMs: 5, headers: [{ key: "a", value: null }, { key: "b", value: utf8.encode("c") }] },
      { key: new Uint8Array(0), value: new Uint8Array(300), timestampMs: 1 },
    ],
  ];
}

/** One mutant of `seed`: truncation, byte flips (CRC fixed or not), splices, or (compressed) flips inside the records. */
function mutate(seed: Uint8Array, rand: () => number, compression: CompressionCodec, plainRecords: Uint8Array): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  const kind = pick(5);
  if (kind === 0) return seed.slice(0, pick(seed.length));
  if (kind === 3) {
    const at = 21 + pick(seed.length - 21);
    const extra = Uint8Array.from({ length: 1 + pick(6) }, () => pick(256));
    const out = new Uint8Array(seed.length + extra.length);
    out.set(seed.subarray(0, at));
    out.set(extra, at);
    out.set(seed.subarray(at), at + extra.length);
    return reseal(out);
  }
  if (kind === 4 && compression !== Compression.none) {
    const records = plainRecords.slice();
    for (let i = 0, n = 1 + pick(3); i < n; i++) records[pick(records.length)] = pick(256);
    const compressed = compress(compression, records);
    const whole = new Uint8Array(61 + compressed.length);
    whole.set(seed.subarray(0, 61));
    whole.set(compressed, 61);
    return reseal(whole);
  }
  const out = seed.slice();
  for (let i = 0, n = 1 + pick(4); i < n; i++) out[pick(out.length)] ^= 1 << pick(8);
  return kind === 1 ? out : reseal(out);
}

/** Runs `fn`; returns "ok" or the typed error's status name, and fails on any other throw. */
function outcomeOf(fn: () => unknown, label: string): string {
  try {
    fn();
    return "ok";
  } catch (err) {
    if (!(err instanceof LedgeWasmError)) throw new Error(`${label}: not a LedgeWasmError: ${(err as Error).stack}`);
    expect(err.code).toMatch(/^LEDGE_ERR_/);
    return err.statusName;
  }
}

describe("mutated batches never crash the core", () => {
  it("runs on the wasm build its vitest project names (debug, and release too)", () => {
    expect(["debug", "release"]).toContain(process.env.LEDGE_WASM);
    expect(defaultBuild()).toBe(process.env.LEDGE_WASM);
  });

  for (const compression of CODECS) {
    it(`${MUTANTS_PER_CODEC} mutants, codec ${compression}: success or a typed error`, () => {
      const rand = seededRandom(0xc0ffee + compression);
      const records = seedRecords();
      const bases = records.map((r) => encodeBatch(r, { compression }));
      const plain = records.map((r) => encodeBatch(r).slice(61));
      const outcomes = new Map<string, number>();
      const limits = { maxDecompressedBytes: 1 << 20 };
      for (let i = 0; i < MUTANTS_PER_CODEC; i++) {
        const which = i % bases.length;
        const mutant = mutate(bases[which], rand, compression, plain[which]);
        const outcome = outcomeOf(() => validateBatch(mutant, limits), `validate mutant #${i}`);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        outcomeOf(() => decodeBatch(mutant, limits), `decode mutant #${i}`);
      }
      // Most mutants fail, and in many different ways: the record walk is reached, not only the CRC.
      expect(MUTANTS_PER_CODEC - (outcomes.get("ok") ?? 0)).toBeGreaterThan(MUTANTS_PER_CODEC * 0.5);
      if (process.env.LEDGE_FUZZ_PRINT) console.log(compression, JSON.stringify([...outcomes]));
      const recordLevel = [...outcomes.keys()].filter((name) => name.startsWith("ERR_RECORD_"));
      expect(recordLevel.length, JSON.stringify([...outcomes])).toBeGreaterThanOrEqual(4);
      const check = encodeBatch(randomRecords(3, 20), { compression });
      expect(decodeBatch(check).records.map((r) => r.offset)).toEqual([0, 1, 2]);
    }, 120_000); // bounded by MUTANTS_PER_CODEC; room for a loaded 2-core CI
  }
});
