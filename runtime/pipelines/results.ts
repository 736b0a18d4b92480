// A closed window's accumulators → the output record's JSON value, exactly the shape:
// {"key":"d1","window":{"start":S,"end":E},"count":N,"temp":{"sum":..,"min":..,...},...}
// with only the requested aggregates, in the order the config lists them.
import { WINDOW_FIELD_F64S, WindowField, type WindowAccumulators } from "../core/index.ts";
import type { PipelineAggregate, PipelineConfig } from "../config/pipelines.ts";

const quantileOf: Partial<Record<PipelineAggregate, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** The quantile fractions a config asks for, in its order. */
export function quantileFractions(config: PipelineConfig): number[] {
  return config.aggregates.filter((a) => a in quantileOf).map((a) => quantileOf[a]!);
}

function fieldAggregate(a: PipelineAggregate, acc: Float64Array, base: number, count: number, q: Float64Array, qi: number): number {
  switch (a) {
    case "sum": return acc[base + WindowField.sum];
    case "min": return acc[base + WindowField.min];
    case "max": return acc[base + WindowField.max];
    case "avg": return acc[base + WindowField.sum] / count;
    case "first": return acc[base + WindowField.first];
    case "last": return acc[base + WindowField.last];
    case "stddev": return Math.sqrt(Math.max(0, acc[base + WindowField.m2]) / count);
    default: return q[qi];
  }
}

/** What renderResult writes for a config, worked out once (a result is rendered per closed window). */
interface Template {
  count: boolean;
  perField: PipelineAggregate[];
  isQuantile: boolean[];
  fractions: number[];
  /** `,"temp":{` per field; `"sum":` per aggregate. */
  fieldOpen: string[];
  aggregateName: string[];
}

const templates = new WeakMap<PipelineConfig, Template>();
const none = new Float64Array(0);

function template(config: PipelineConfig): Template {
  let t = templates.get(config);
  if (t === undefined) {
    const perField = config.aggregates.filter((a) => a !== "count");
    t = {
      count: config.aggregates.includes("count"), perField, isQuantile: perField.map((a) => a in quantileOf), fractions: quantileFractions(config),
      fieldOpen: config.fields.map((f) => `,${JSON.stringify(f)}:{`), aggregateName: perField.map((a) => `${JSON.stringify(a)}:`),
    };
    templates.set(config, t);
  }
  return t;
}

/** The JSON text of the result of the window in `slot`. */
export function renderResult(config: PipelineConfig, key: string, startMs: number, endMs: number, slot: number, accumulators: WindowAccumulators): string {
  const t = template(config);
  const at = slot * accumulators.slotF64s;
  const count = accumulators.state[at];
  let out = `{"key":${JSON.stringify(key)},"window":{"start":${startMs},"end":${endMs}}`;
  if (t.count) out += `,"count":${count}`;
  if (t.perField.length === 0) return out + "}";
  for (let f = 0; f < config.fields.length; f++) {
    const base = at + 1 + f * WINDOW_FIELD_F64S;
    const q = t.fractions.length > 0 ? accumulators.quantiles(slot, f, t.fractions) : none;
    const acc = accumulators.state; // after the quantiles' wasm call
    let qi = 0;
    out += t.fieldOpen[f];
    for (let a = 0; a < t.perField.length; a++) {
      const v = fieldAggregate(t.perField[a], acc, base, count, q, qi);
      if (t.isQuantile[a]) qi++;
      out += (a === 0 ? t.aggregateName[a] : `,${t.aggregateName[a]}`) + number(v);
    }
    out += "}";
  }
  return out + "}";
}

/** JSON has no NaN or Infinity: such a result is written as null. */
function number(v: number): string {
  return Number.isFinite(v) ? String(v) : "null";
}
