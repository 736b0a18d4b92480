// A closed window's accumulators → the output record's JSON value, exactly the shape:
// {"key":"d1","window":{"start":S,"end":E},"count":N,"temp":{"sum":..,"min":..,...},...}
// with only the requested aggregates, in the order the config lists them. Written as bytes
// straight into the caller's buffer: thousands of windows close at once, and a string per result
// (then encoded) cost more than the aggregation of its events.
import { WINDOW_FIELD_F64S, WindowField, type WindowAccumulators } from "../core/index.ts";
import type { PipelineAggregate, PipelineConfig } from "../config/pipelines.ts";
import type { KeyTable } from "./key-table.ts";

const quantileOf: Partial<Record<PipelineAggregate, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/** The quantile fractions a config asks for, in its order. */
export function quantileFractions(config: PipelineConfig): number[] {
  return config.aggregates.filter((a) => a in quantileOf).map((a) => quantileOf[a]!);
}

const utf8 = new TextEncoder();
const ascii = (text: string) => utf8.encode(text);

/** The longest text String() gives a finite number: "-1.2345678901234567e-308". */
const NUMBER_BYTES_MAX = 24;

/** How a per-field aggregate is read from a slot: a field's f64 as it is, or worked out. */
const READ_AS_IS = 0;
const READ_AVG = 1;
const READ_STDDEV = 2;
const READ_QUANTILE = 3;

/** What writeResult writes for a config, worked out once per engine (a result is written per closed window). */
export interface ResultTemplate {
  readonly fieldCount: number;
  readonly count: boolean;
  /** Per aggregate after count: READ_*, and its WindowField offset or quantile index. */
  readonly readAs: Uint8Array;
  readonly readArg: Int32Array;
  readonly fractions: number[];
  readonly quantiles: Float64Array;
  /** `,"temp":{` per field; `"sum":` per aggregate (`,"min":` after the first). */
  readonly fieldOpen: Uint8Array[];
  readonly aggregateName: Uint8Array[];
  /** The most bytes a result takes besides its key. */
  readonly bytesMax: number;
}

const KEY_OPEN = ascii('{"key":');
const WINDOW_OPEN = ascii(',"window":{"start":');
const WINDOW_END = ascii(',"end":');
const COUNT = ascii('},"count":');
const WINDOW_CLOSE = ascii("}");
const NULL = ascii("null");
const BRACE = 0x7d;

export function resultTemplate(config: PipelineConfig): ResultTemplate {
  const perField = config.aggregates.filter((a) => a !== "count");
  const fieldOpen = config.fields.map((f) => ascii(`,${JSON.stringify(f)}:{`));
  const aggregateName = perField.map((a, i) => ascii(`${i === 0 ? "" : ","}${JSON.stringify(a)}:`));
  const fixed = KEY_OPEN.length + WINDOW_OPEN.length + WINDOW_END.length + COUNT.length + 1
    + fieldOpen.reduce((n, b) => n + b.length + 1, 0) + config.fields.length * aggregateName.reduce((n, b) => n + b.length, 0);
  const numbers = 3 + config.fields.length * perField.length;
  const fractions = quantileFractions(config);
  const readAs = new Uint8Array(perField.length);
  const readArg = new Int32Array(perField.length);
  let quantile = 0;
  perField.forEach((a, i) => {
    if (a in quantileOf) [readAs[i], readArg[i]] = [READ_QUANTILE, quantile++];
    else if (a === "avg") readAs[i] = READ_AVG;
    else if (a === "stddev") readAs[i] = READ_STDDEV;
    else readArg[i] = WindowField[a as "sum" | "min" | "max" | "first" | "last"];
  });
  return {
    fieldCount: perField.length === 0 ? 0 : config.fields.length, count: config.aggregates.includes("count"), readAs, readArg, fractions,
    quantiles: new Float64Array(fractions.length), fieldOpen, aggregateName, bytesMax: fixed + numbers * NUMBER_BYTES_MAX,
  };
}

/** The most bytes writeResult writes for a key of `keyBytes` bytes (JSON escapes take up to 6 per byte). */
export function resultBytesMax(t: ResultTemplate, keyBytes: number): number {
  return t.bytesMax + 2 + 6 * keyBytes;
}

/**
 * Writes the JSON of the result of the window in `slot` into `out` at `at` (resultBytesMax bytes
 * free); returns where it ends. Key `keyId`'s bytes are already in `out` at `keyAt` (the output
 * record's key): copied as they are when JSON needs no escape in them, else its string escaped.
 */
export function writeResult(t: ResultTemplate, out: Uint8Array, at: number, keys: KeyTable, keyId: number, keyAt: number,
  startMs: number, endMs: number, slot: number, accumulators: WindowAccumulators): number {
  const at0 = accumulators.slotF64s * slot;
  const count = accumulators.state[at0];
  const keyEnd = keyAt + keys.length(keyId);
  at = put(out, at, KEY_OPEN);
  if (plainJsonText(out, keyAt, keyEnd)) {
    out[at++] = 0x22;
    out.copyWithin(at, keyAt, keyEnd);
    at += keyEnd - keyAt;
    out[at++] = 0x22;
  } else {
    at += utf8.encodeInto(JSON.stringify(keys.string(keyId)), out.subarray(at)).written;
  }
  at = writeNumber(out, put(out, at, WINDOW_OPEN), startMs);
  at = writeNumber(out, put(out, at, WINDOW_END), endMs);
  if (t.count) at = writeNumber(out, put(out, at, COUNT), count);
  else at = put(out, at, WINDOW_CLOSE);
  const q = t.quantiles;
  for (let f = 0; f < t.fieldCount; f++) {
    const base = at0 + 1 + f * WINDOW_FIELD_F64S;
    if (q.length > 0) accumulators.quantilesInto(slot, f, t.fractions, q);
    const acc = accumulators.state; // after the quantiles' wasm call
    at = put(out, at, t.fieldOpen[f]);
    for (let a = 0; a < t.readAs.length; a++) {
      const arg = t.readArg[a];
      const readAs = t.readAs[a];
      const v = readAs === READ_AS_IS ? acc[base + arg] : readAs === READ_AVG ? acc[base + WindowField.sum] / count
        : readAs === READ_STDDEV ? Math.sqrt(Math.max(0, acc[base + WindowField.m2]) / count) : q[arg];
      at = writeNumber(out, put(out, at, t.aggregateName[a]), v);
    }
    out[at++] = BRACE;
  }
  out[at++] = BRACE;
  return at;
}

/** Whether `bytes[from, to)` stands in a JSON string as it is: printable ASCII, no quote or backslash. */
export function plainJsonText(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = bytes[i];
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

function put(out: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i];
  return at + bytes.length;
}

/** JSON.stringify's text of `v`: String(v), and null for NaN and ±Infinity (JSON has neither). */
function writeNumber(out: Uint8Array, at: number, v: number): number {
  if (Number.isInteger(v) && Math.abs(v) < 1e15) {
    // Integers (counts, times, most readings) digit by digit; -0 is "0", as String gives.
    if (v < 0) {
      out[at++] = 0x2d;
      v = -v;
    }
    if (v <= 0x7fffffff) return writeDigits(out, at, v | 0, 0);
    // Past 32 bits (epoch milliseconds): the top digits, then the last 8 as int32s.
    const high = Math.floor(v / 1e8);
    return writeDigits(out, writeDigits(out, at, high, 0), v - high * 1e8, 8);
  }
  if (!Number.isFinite(v)) return put(out, at, NULL);
  const text = String(v);
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** The decimal digits of the int32 `x` >= 0, at least `width` of them (zero-padded). */
function writeDigits(out: Uint8Array, at: number, x: number, width: number): number {
  let digits = 1;
  for (let p = 10; p <= x; p *= 10) digits++;
  if (digits < width) digits = width;
  for (let i = at + digits - 1; i >= at; i--) {
    const q = (x / 10) | 0;
    out[i] = 0x30 + x - q * 10;
    x = q;
  }
  return at + digits;
}
