// runtime/pipelines/results.ts writes a closed window's result as bytes, number by number and
// key by key. Its text must be exactly what JSON.stringify gives for the same values: the output
// topic's records are compared byte for byte across crashes, and users read them as JSON.
import { describe, expect, it } from "vitest";
import { WINDOW_FIELD_F64S, WindowAccumulators, WindowField } from "../../runtime/core/index.ts";
import { readPipelineConfig, type PipelineAggregate } from "../../runtime/config/pipelines.ts";
import { KeyTable } from "../../runtime/pipelines/key-table.ts";
import { plainJsonText, resultBytesMax, resultTemplate, writeResult } from "../../runtime/pipelines/results.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const utf8 = new TextEncoder();
const decode = new TextDecoder();
const AGGREGATES: PipelineAggregate[] = ["count", "sum", "min", "max", "avg", "first", "last", "stddev", "p50", "p95"];
const SPECIAL = [0, -0, 1, -1, 0.1, 1e15, -1e15, 999_999_999_999_999, 1e21, 1.5e21, 1e-7, 1e-6, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, 2 ** 53, NaN, Infinity, -Infinity];
const KEYS = ["d1", "sensor-0042", "", 'a"quote', "back\\slash", "line\nbreak", "tab\there", "\u007f", "é", "温度", "😀", "</script>"];

/** A number of the kinds results hold: readings, integers, extremes. */
function number(random: () => number): number {
  const r = random();
  if (r < 0.2) return SPECIAL[Math.floor(random() * SPECIAL.length)];
  if (r < 0.45) return Math.round((random() - 0.5) * 2e6);
  if (r < 0.7) return Math.round((random() - 0.5) * 1e5) / 100;
  return (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30);
}

describe("window results as bytes", () => {
  it("are JSON.stringify's text of the same values, for every aggregate, number and key", () => {
    const random = seededRandom(7);
    for (let round = 0; round < 60; round++) {
      const fields = ["temp", "hum", "a.b"].slice(0, 1 + (round % 3));
      const aggregates = round === 0 ? ["count" as const] : AGGREGATES.filter(() => random() < 0.6);
      if (aggregates.length === 0) aggregates.push("max");
      const config = readPipelineConfig({
        name: "r", from: "in", key: "device", fields, window: { type: "tumbling", size: "1s" }, aggregates, to: "out",
      });
      const quantiles = aggregates.filter((a) => a.startsWith("p"));
      const acc = new WindowAccumulators(fields.length, { quantiles: quantiles.length > 0 });
      const slot = acc.allocate();
      // Some values in the sketches, then every accumulator overwritten with chosen numbers.
      const n = 1 + Math.floor(random() * 20);
      const values = Float64Array.from({ length: n * fields.length }, () => Math.round(random() * 1e4) / 100);
      acc.feed(new Int32Array(n).fill(slot), Int32Array.from({ length: n }, (_, i) => i), n, new Float64Array(n), values, n);
      const state = acc.state;
      const at = slot * acc.slotF64s;
      const count = round % 7 === 0 ? 1e15 + 2 : n;
      state[at] = count;
      for (let i = 1; i < acc.slotF64s; i++) state[at + i] = number(random);

      const key = KEYS[round % KEYS.length];
      const startMs = Math.round(random() * 2e12);
      const want: Record<string, unknown> = { key, window: { start: startMs, end: startMs + 1000 } };
      if (aggregates.includes("count")) want.count = count;
      fields.forEach((f, fi) => {
        if (aggregates.every((a) => a === "count")) return;
        const base = at + 1 + fi * WINDOW_FIELD_F64S;
        const q = quantiles.length > 0 ? acc.quantiles(slot, fi, quantiles.map((p) => Number(p.slice(1)) / 100)) : new Float64Array(0);
        const s = acc.state;
        const one: Record<string, number> = {};
        for (const a of aggregates) {
          if (a === "count") continue;
          one[a] = a === "sum" ? s[base + WindowField.sum] : a === "min" ? s[base + WindowField.min] : a === "max" ? s[base + WindowField.max]
            : a === "avg" ? s[base + WindowField.sum] / count : a === "first" ? s[base + WindowField.first] : a === "last" ? s[base + WindowField.last]
            : a === "stddev" ? Math.sqrt(Math.max(0, s[base + WindowField.m2]) / count) : q[quantiles.indexOf(a)];
        }
        want[f] = one;
      });

      const keyBytes = utf8.encode(key);
      const keys = new KeyTable();
      const keyId = keys.intern(keyBytes, 0, keyBytes.length);
      const template = resultTemplate(config);
      const out = new Uint8Array(8 + keyBytes.length + resultBytesMax(template, keyBytes.length));
      const valueAt = keys.copyInto(keyId, out, 3);
      const end = writeResult(template, out, valueAt, keys, keyId, 3, startMs, startMs + 1000, slot, acc);
      expect(decode.decode(out.subarray(valueAt, end))).toBe(JSON.stringify(want));
      acc.dispose();
    }
  });

  it("write plain keys as they are, and escape the rest as JSON does", () => {
    const plain = KEYS.filter((k) => {
      const b = utf8.encode(k);
      return plainJsonText(b, 0, b.length);
    });
    expect(plain).toEqual(["d1", "sensor-0042", "", "</script>"]);
  });
});
