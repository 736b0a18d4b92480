// The `pipelines:` section (window aggregations, issue #13's form), validated with key paths.
import { ConfigReader } from "./reader.ts";
import { ConfigError } from "./errors.ts";
import { topicNameProblem, topicNameRule } from "../kafka/topic-name.ts";

/** Every aggregate a pipeline may ask for, in the order results are written. */
export const pipelineAggregates = ["count", "sum", "min", "max", "avg", "first", "last", "stddev", "p50", "p90", "p95", "p99"] as const;
export type PipelineAggregate = (typeof pipelineAggregates)[number];
export const windowTypes = ["tumbling", "hopping", "session", "count", "sliding"] as const;
export type WindowType = (typeof windowTypes)[number];

/** Windows by type; times are event-time milliseconds. */
export type WindowConfig =
  | { type: "tumbling"; sizeMs: number; graceMs: number }
  | { type: "hopping"; sizeMs: number; advanceMs: number; graceMs: number }
  | { type: "session"; gapMs: number; graceMs: number }
  | { type: "count"; recordCount: number }
  | { type: "sliding"; sizeMs: number; graceMs: number };

/** The group key: a field path of the payload, or a level of the MQTT topic held in the record key. */
export type PipelineKey = { field: string } | { topicLevel: number };

export interface PipelineConfig {
  name: string;
  /** Source topic. */
  from: string;
  /** MQTT topic filter applied to the record key; absent = every record. */
  match?: string;
  format: "json" | "msgpack";
  key: PipelineKey;
  /** Event-time field path (epoch ms); absent = the record's timestamp. */
  time?: string;
  fields: string[];
  window: WindowConfig;
  aggregates: PipelineAggregate[];
  emit: "final" | "update";
  /** Output topic. */
  to: string;
  /** Where a pipeline without a checkpoint begins reading. */
  start: "earliest" | "latest";
  /** Open (window, key) pairs per source partition (sliding windows: records kept); a record past it goes to the dead-letter topic. */
  openWindowCountMax: number;
}

/** Paths the JSON kernel takes at once (runtime/core JSON_PATHS_MAX) less the key and time. */
export const PIPELINE_FIELD_COUNT_MAX = 30;
const DAY_MS = 86_400_000;
const fieldPathPattern = /^[^.\s]+(\.[^.\s]+)*$/;
const topicLevelPattern = /^topic\[(\d{1,3})\]$/;

function topicName(r: ConfigReader, key: string, value: string): string {
  if (topicNameProblem(value)) throw new ConfigError(r.key(key), `a Kafka topic name (${topicNameRule})`, value);
  return value;
}

function fieldPathAt(path: string, value: unknown): string {
  if (typeof value !== "string" || !fieldPathPattern.test(value)) {
    throw new ConfigError(path, "a field path (member names joined by dots, like temp or meta.site)", value);
  }
  return value;
}

function fieldPath(r: ConfigReader, key: string, value: unknown): string {
  return fieldPathAt(r.key(key), value);
}

function groupKey(r: ConfigReader): PipelineKey {
  const text = r.string("key", "");
  if (text === "") throw new ConfigError(r.key("key"), "a field path or topic[N] (a level of the MQTT topic in the record key)", r.raw("key"));
  const level = topicLevelPattern.exec(text);
  if (level) return { topicLevel: Number(level[1]) };
  return { field: fieldPath(r, "key", text) };
}

function windowSize(w: ConfigReader, name: string): number {
  if (!w.has(name)) throw new ConfigError(w.key(name), "a duration like 10s (required for this window type)", w.raw(name));
  return w.ms(name, 0, 1, 366 * DAY_MS);
}

function windowOf(r: ConfigReader): WindowConfig {
  if (!r.has("window")) throw new ConfigError(r.key("window"), "a mapping like { type: tumbling, size: 10s, grace: 1s }", r.raw("window"));
  const w = r.section("window");
  const type = w.oneOf("type", windowTypes, "tumbling");
  let out: WindowConfig;
  if (type === "count") {
    if (!w.has("size")) throw new ConfigError(w.key("size"), "a record count (required for count windows)", w.raw("size"));
    out = { type, recordCount: w.integer("size", 1, 1, 1_000_000) };
  } else {
    const graceMs = w.ms("grace", 0, 0, 366 * DAY_MS);
    if (type === "session") out = { type, gapMs: windowSize(w, "gap"), graceMs };
    else if (type === "hopping") {
      out = { type, sizeMs: windowSize(w, "size"), advanceMs: windowSize(w, "advance"), graceMs };
      if (out.advanceMs > out.sizeMs || out.sizeMs % out.advanceMs !== 0) {
        throw new ConfigError(w.key("advance"), `a duration that divides size (${out.sizeMs} ms) evenly`, w.raw("advance"));
      }
      if (out.sizeMs / out.advanceMs > 64) throw new ConfigError(w.key("advance"), "at least size / 64 (a record belongs to at most 64 hopping windows)", w.raw("advance"));
    } else out = { type, sizeMs: windowSize(w, "size"), graceMs };
  }
  w.done();
  return out;
}

function pipeline(item: unknown, path: string): PipelineConfig {
  const r = new ConfigReader(item, path);
  const name = topicName(r, "name", r.string("name", ""));
  if (name.length > 240) throw new ConfigError(r.key("name"), "at most 240 characters (the topics <name>.late and <name>.dlq must be valid names)", name);
  const from = topicName(r, "from", r.string("from", ""));
  const match = r.optionalString("match");
  const format = r.oneOf("format", ["json", "msgpack"] as const, "json");
  const key = groupKey(r);
  const time = r.has("time") ? fieldPath(r, "time", r.raw("time")) : (r.raw("time"), undefined);
  const fields = r.list("fields", (v, k) => fieldPathAt(k, v));
  if (fields.length > PIPELINE_FIELD_COUNT_MAX || new Set(fields).size !== fields.length) {
    throw new ConfigError(r.key("fields"), `a list of up to ${PIPELINE_FIELD_COUNT_MAX} distinct numeric field paths`, r.raw("fields"));
  }
  const window = windowOf(r);
  const aggregates = r.list("aggregates", (v, k) => {
    if (typeof v !== "string" || !(pipelineAggregates as readonly string[]).includes(v)) throw new ConfigError(k, `one of ${pipelineAggregates.join(", ")}`, v);
    return v as PipelineAggregate;
  });
  if (aggregates.length === 0) throw new ConfigError(r.key("aggregates"), `a non-empty list of ${pipelineAggregates.join(", ")}`, r.raw("aggregates"));
  if (fields.length === 0 && aggregates.some((a) => a !== "count")) {
    throw new ConfigError(r.key("fields"), "at least one numeric field path (aggregates other than count need a field)", r.raw("fields"));
  }
  const emit = r.oneOf("emit", ["final", "update"] as const, "final");
  const to = topicName(r, "to", r.string("to", ""));
  const start = r.oneOf("start", ["earliest", "latest"] as const, "earliest");
  const openWindowCountMax = r.integer("openWindowCountMax", 100_000, 1, 10_000_000);
  r.done();
  if (to === from) throw new ConfigError(r.key("to"), `an output topic other than the source '${from}'`, to);
  return { name, from, match, format, key, time, fields, window, aggregates: [...new Set(aggregates)], emit, to, start, openWindowCountMax };
}

/** Reads the `pipelines:` list; names must be distinct. */
export function readPipelinesConfig(r: ConfigReader): PipelineConfig[] {
  const out = r.list("pipelines", pipeline);
  const names = new Set<string>();
  out.forEach((p, i) => {
    if (names.has(p.name)) throw new ConfigError(`pipelines[${i}].name`, "a name no other pipeline has", p.name);
    names.add(p.name);
  });
  return out;
}

/** Validates one pipeline given at run time (Pipelines.add), with the same rules and messages. */
export function readPipelineConfig(item: unknown, path = "pipeline"): PipelineConfig {
  return pipeline(item, path);
}
