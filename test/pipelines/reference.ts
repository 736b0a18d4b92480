// A straightforward window aggregation in plain JS, independent of runtime/pipelines: JSON.parse
// per record, arrays of values per (window, key), sorted arrays for quantiles. The tests compare
// the wasm pipeline against it.
import type { PipelineConfig } from "../../runtime/config/pipelines.ts";

export interface RefRecord {
  partition: number;
  key: string | null;
  value: string | null;
  timestampMs: number;
}

export interface RefResult {
  partition: number;
  key: string;
  start: number;
  end: number;
  values: number[][];
  times: number[];
}

export interface RefOutcome {
  results: RefResult[];
  late: number;
  dlq: number;
  events: number;
}

function at(doc: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o !== null && typeof o === "object" && !Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined), doc);
}

function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length) return false;
    if (f[i] !== "+" && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Runs the records in order, windows per source partition with that partition's watermark (max
 * event time − grace); returns the windows closed by the end, in (partition, start, key) order.
 */
export function referenceWindows(config: PipelineConfig, records: RefRecord[]): RefOutcome {
  const w = config.window;
  if (w.type !== "tumbling" && w.type !== "hopping") throw new Error("reference covers tumbling and hopping");
  const size = w.sizeMs;
  const advance = w.type === "hopping" ? w.advanceMs : size;
  const maxBy = new Map<number, number>();
  const windows = new Map<string, RefResult>();
  let late = 0;
  let dlq = 0;
  let events = 0;
  for (const r of records) {
    if (config.match && (r.key === null || !topicMatches(config.match, r.key))) continue;
    let doc: unknown;
    try {
      doc = r.value === null ? undefined : JSON.parse(r.value);
    } catch {
      doc = undefined;
    }
    if (doc === undefined) { dlq++; continue; }
    let t = r.timestampMs;
    if (config.time) {
      const v = at(doc, config.time);
      if (typeof v !== "number") { dlq++; continue; }
      t = v;
    }
    const values = config.fields.map((f) => at(doc, f));
    if (values.some((v) => typeof v !== "number")) { dlq++; continue; }
    let key: string | undefined;
    if ("field" in config.key) {
      const k = at(doc, config.key.field);
      key = typeof k === "string" ? k : typeof k === "number" ? String(k) : undefined;
    } else {
      key = r.key?.split("/")[config.key.topicLevel];
    }
    if (key === undefined) { dlq++; continue; }
    const max = maxBy.get(r.partition) ?? -Infinity;
    const watermark = max - w.graceMs;
    const last = Math.floor(t / advance) * advance;
    let placed = false;
    for (let s = last - size + advance; s <= last; s += advance) {
      if (s + size <= watermark) continue;
      placed = true;
      const id = `${r.partition}\u0000${s}\u0000${key}`;
      let win = windows.get(id);
      if (!win) windows.set(id, (win = { partition: r.partition, key, start: s, end: s + size, values: config.fields.map(() => []), times: [] }));
      values.forEach((v, f) => win!.values[f].push(v as number));
      win.times.push(t);
    }
    if (!placed) { late++; continue; }
    events++;
    maxBy.set(r.partition, Math.max(max, t));
  }
  const results = [...windows.values()].filter((x) => x.end <= (maxBy.get(x.partition) ?? -Infinity) - w.graceMs)
    .sort((a, b) => a.partition - b.partition || a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { results, late, dlq, events };
}

/** The exact aggregate, as a plain-JS pipeline computes it (sorted array for quantiles). */
export function referenceAggregate(name: string, values: number[], times: number[]): number {
  const n = values.length;
  const sum = values.reduce((a, b) => a + b, 0);
  switch (name) {
    case "sum": return sum;
    case "min": return Math.min(...values);
    case "max": return Math.max(...values);
    case "avg": return sum / n;
    case "first": { let b = 0; for (let i = 1; i < n; i++) if (times[i] < times[b]) b = i; return values[b]; }
    case "last": { let b = 0; for (let i = 1; i < n; i++) if (times[i] >= times[b]) b = i; return values[b]; }
    case "stddev": { const m = sum / n; return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / n); }
    default: {
      const q = Number(name.slice(1)) / 100;
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.floor(q * (n - 1))];
    }
  }
}

/** Checks one output value against a reference window; returns the mismatches. */
export function compareResult(config: PipelineConfig, got: Record<string, unknown>, want: RefResult): string[] {
  const problems: string[] = [];
  const where = `${want.key}@${want.start}`;
  const window = got.window as { start: number; end: number };
  if (got.key !== want.key || window.start !== want.start || window.end !== want.end) problems.push(`${where}: got ${JSON.stringify(got).slice(0, 120)}`);
  if (config.aggregates.includes("count") && got.count !== want.times.length) problems.push(`${where}: count ${got.count} != ${want.times.length}`);
  config.fields.forEach((f, fi) => {
    const field = got[f] as Record<string, number> | undefined;
    for (const a of config.aggregates) {
      if (a === "count") continue;
      const exact = referenceAggregate(a, want.values[fi], want.times);
      const v = field?.[a];
      const ok = a.startsWith("p") ? Math.abs((v as number) - exact) <= 0.01 * Math.abs(exact) + 1e-12
        : a === "stddev" ? Math.abs((v as number) - exact) <= 1e-9 * Math.max(1, Math.abs(exact))
        : v === exact;
      if (!ok) problems.push(`${where} ${f}.${a}: ${v} != ${exact}`);
    }
  });
  return problems;
}
