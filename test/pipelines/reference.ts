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
  /** Session windows: records that joined two or more open sessions into one. */
  merges: number;
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

interface Parsed {
  key: string;
  t: number;
  values: number[];
}

/** A record as the pipeline reads it: null = skipped by the match filter, "dlq" = cannot be aggregated. */
function parse(config: PipelineConfig, r: RefRecord): Parsed | null | "dlq" {
  if (config.match && (r.key === null || !topicMatches(config.match, r.key))) return null;
  let doc: unknown;
  try {
    doc = r.value === null ? undefined : JSON.parse(r.value);
  } catch {
    doc = undefined;
  }
  if (doc === undefined) return "dlq";
  let t = r.timestampMs;
  if (config.time) {
    const v = at(doc, config.time);
    if (typeof v !== "number") return "dlq";
    t = v;
  }
  const values = config.fields.map((f) => at(doc, f));
  if (values.some((v) => typeof v !== "number")) return "dlq";
  let key: string | undefined;
  if ("field" in config.key) {
    const k = at(doc, config.key.field);
    key = typeof k === "string" ? k : typeof k === "number" ? String(k) : undefined;
  } else {
    key = r.key?.split("/")[config.key.topicLevel];
  }
  if (key === undefined) return "dlq";
  return { key, t, values: values as number[] };
}

/** One window of the reference: its records (in offset order) and whether a merge replaced it. */
interface Win {
  partition: number;
  key: string;
  start: number;
  end: number;
  records: RefEntry[];
  merged: boolean;
}

/** A record in a window: event time, field values, and its place in the stream. */
interface RefEntry {
  t: number;
  values: number[];
  seq: number;
}

/** A window type, the plain way: which windows a record joins (or "late"), and which are closed at a watermark. */
interface Model {
  place(partition: number, p: Parsed & { seq: number }, maxTimeMs: number): Win[] | "late";
  /** Every window closed by the end, in output order within a partition. */
  closed(partition: number, maxTimeMs: number): Win[];
  /** The window's records as it would be written now. */
  records(w: Win): RefEntry[];
  fields: string[];
  merges: number;
  /** The order results of one batch (emit: update) or one partition (emit: final) are written in. */
  ordered: boolean;
}

/** What most models share: their windows hold their records, and nothing merges. */
function plain(config: PipelineConfig) {
  return { merges: 0, fields: config.fields, records: (x: Win) => x.records };
}

function byEndStartKey(a: Win, b: Win): number {
  return a.end - b.end || a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

function alignedModel(config: PipelineConfig): Model {
  const w = config.window as Extract<PipelineConfig["window"], { type: "tumbling" | "hopping" }>;
  const size = w.sizeMs;
  const advance = w.type === "hopping" ? w.advanceMs : size;
  const windows = new Map<string, Win>();
  return {
    ordered: true,
    ...plain(config),
    place(partition, p, max) {
      const watermark = max - w.graceMs;
      const last = Math.floor(p.t / advance) * advance;
      const out: Win[] = [];
      for (let s = last - size + advance; s <= last; s += advance) {
        if (s + size <= watermark) continue;
        const id = `${partition}\u0000${s}\u0000${p.key}`;
        let win = windows.get(id);
        if (!win) windows.set(id, (win = { partition, key: p.key, start: s, end: s + size, records: [], merged: false }));
        out.push(win);
      }
      for (const x of out) x.records.push({ t: p.t, values: p.values, seq: p.seq });
      return out.length === 0 ? "late" : out;
    },
    closed: (partition, max) => [...windows.values()].filter((x) => x.partition === partition && x.end <= max - w.graceMs).sort(byEndStartKey),
  };
}

/** Sessions: records less than gap apart; a record within gap of several open sessions merges them. */
function sessionModel(config: PipelineConfig): Model {
  const w = config.window as Extract<PipelineConfig["window"], { type: "session" }>;
  /** Per partition and key: the sessions not merged into another. */
  const live = new Map<string, Win[]>();
  const model: Model = {
    ordered: true,
    ...plain(config),
    place(partition, p, max) {
      const watermark = max - w.graceMs;
      if (p.t < watermark) return "late";
      const id = `${partition}\u0000${p.key}`;
      const sessions = live.get(id) ?? [];
      const touching = sessions.filter((x) => x.end > watermark && x.start - w.gapMs < p.t && p.t < x.end);
      const records = [...touching.flatMap((x) => x.records), { t: p.t, values: p.values, seq: p.seq }].sort((a, b) => a.seq - b.seq);
      for (const x of touching) x.merged = true;
      if (touching.length > 1) model.merges++;
      const times = records.map((r) => r.t);
      const win: Win = { partition, key: p.key, start: Math.min(...times), end: Math.max(...times) + w.gapMs, records, merged: false };
      live.set(id, [...sessions.filter((x) => !x.merged), win]);
      return [win];
    },
    closed: (partition, max) => [...live.values()].flat().filter((x) => x.partition === partition && x.end <= max - w.graceMs).sort(byEndStartKey),
  };
  return model;
}

/** Count windows: every size records of a key in a partition, in offset order. */
function countModel(config: PipelineConfig): Model {
  const w = config.window as Extract<PipelineConfig["window"], { type: "count" }>;
  const filling = new Map<string, Win>();
  const full: Win[] = [];
  return {
    ordered: false,
    ...plain(config),
    place(partition, p) {
      const id = `${partition}\u0000${p.key}`;
      let win = filling.get(id);
      if (!win) filling.set(id, (win = { partition, key: p.key, start: p.t, end: p.t, records: [], merged: false }));
      win.records.push({ t: p.t, values: p.values, seq: p.seq });
      win.start = Math.min(win.start, p.t);
      win.end = Math.max(win.end, p.t);
      if (win.records.length === w.recordCount) {
        full.push(win);
        filling.delete(id);
      }
      return [win];
    },
    closed: (partition) => full.filter((x) => x.partition === partition),
  };
}

/** Sliding windows: one per distinct event time t of a key, [t - size, t], with every record of the key inside. */
function slidingModel(config: PipelineConfig): Model {
  const w = config.window as Extract<PipelineConfig["window"], { type: "sliding" }>;
  const seen = new Map<string, RefEntry[]>();
  const windows = new Map<string, Win>();
  return {
    ordered: true,
    merges: 0,
    fields: config.fields,
    records: (x) => (seen.get(`${x.partition}\u0000${x.key}`) ?? []).filter((r) => r.t >= x.start && r.t <= x.end),
    place(partition, p, max) {
      const watermark = max - w.graceMs;
      if (p.t < watermark) return "late";
      const id = `${partition}\u0000${p.key}`;
      if (!seen.has(id)) seen.set(id, []);
      seen.get(id)!.push({ t: p.t, values: p.values, seq: p.seq });
      const own = `${id}\u0000${p.t}`;
      if (!windows.has(own)) windows.set(own, { partition, key: p.key, start: p.t - w.sizeMs, end: p.t, records: [], merged: false });
      return [...windows.values()].filter((x) => x.partition === partition && x.key === p.key && x.end >= p.t && x.end <= p.t + w.sizeMs && x.end >= watermark);
    },
    closed: (partition, max) => [...windows.values()].filter((x) => x.partition === partition && x.end < max - w.graceMs).sort(byEndStartKey),
  };
}

function modelOf(config: PipelineConfig): Model {
  switch (config.window.type) {
    case "tumbling":
    case "hopping": return alignedModel(config);
    case "session": return sessionModel(config);
    case "count": return countModel(config);
    case "sliding": return slidingModel(config);
  }
}

function snapshot(model: Model, x: Win): RefResult {
  const records = model.records(x);
  return { partition: x.partition, key: x.key, start: x.start, end: x.end, values: model.fields.map((_, f) => records.map((r) => r.values[f])), times: records.map((r) => r.t) };
}

/**
 * Runs the records in order, windows per source partition with that partition's watermark (max
 * event time − grace). emit: final — the windows closed by the end, per partition in output
 * order. emit: update — per batch (`batches`: the records cut as stored), the windows the batch
 * changed, in output order, with what they held after it.
 */
export function referenceWindows(config: PipelineConfig, records: RefRecord[], batches: RefRecord[][] = records.map((r) => [r])): RefOutcome {
  const model = modelOf(config);
  const maxBy = new Map<number, number>();
  let late = 0;
  let dlq = 0;
  let events = 0;
  const updates: RefResult[] = [];
  for (const batch of batches) {
    const changed = new Set<Win>();
    for (const r of batch) {
      const p = parse(config, r);
      if (p === null) continue;
      if (p === "dlq") { dlq++; continue; }
      const max = maxBy.get(r.partition) ?? -Infinity;
      const placed = model.place(r.partition, { ...p, seq: events }, max);
      if (placed === "late") { late++; continue; }
      for (const x of placed) changed.add(x);
      events++;
      maxBy.set(r.partition, Math.max(max, p.t));
    }
    const live = [...changed].filter((x) => !x.merged);
    if (model.ordered) live.sort(byEndStartKey);
    updates.push(...live.map((x) => snapshot(model, x)));
  }
  const partitions = [...maxBy.keys()].sort((a, b) => a - b);
  const results = config.emit === "update" ? updates.sort((a, b) => a.partition - b.partition)
    : partitions.flatMap((p) => model.closed(p, maxBy.get(p)!).map((x) => snapshot(model, x)));
  return { results, merges: model.merges, late, dlq, events };
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
      // Merged sessions add the parts' sums: equal to a straight sum up to rounding.
      const rounded = a === "stddev" || (config.window.type === "session" && (a === "sum" || a === "avg"));
      const ok = a.startsWith("p") ? Math.abs((v as number) - exact) <= 0.01 * Math.abs(exact) + 1e-12
        : rounded ? Math.abs((v as number) - exact) <= 1e-9 * Math.max(1, Math.abs(exact))
        : v === exact;
      if (!ok) problems.push(`${where} ${f}.${a}: ${v} != ${exact}`);
    }
  });
  return problems;
}
