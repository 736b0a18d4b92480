// One stored batch → per-record columns a window engine folds: group key id, event time and
// the numeric fields, read in bulk in wasm (record decode, JSON field extraction); records that
// cannot be aggregated are marked with the reason for the dead-letter topic. No JS object per
// record except for rejected ones.
import { decodeBatchColumns, JsonDocStatus, jsonDocReasons, JsonFieldExtractor, JsonKind, type BatchColumns, type JsonFields } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import { KeyTable } from "./key-table.ts";
import { compileTopicFilter, topicLevel, topicMatches, type TopicFilter } from "./topic-levels.ts";

/** keyId of a record the `match` filter leaves out (not counted, not dead-lettered). */
export const SKIPPED = -1;
/** keyId of a record that goes to the dead-letter topic. */
export const REJECTED = -2;

export interface Rejected {
  index: number;
  reason: string;
}

/** The columns of one batch: valid until the next read. */
export interface BatchFields {
  count: number;
  cols: BatchColumns;
  keyId: Int32Array;
  timeMs: Float64Array;
  /** Field f of record i at f * count + i. */
  values: Float64Array;
  rejected: Rejected[];
}

export class FieldReader {
  readonly keys: KeyTable;
  readonly #config: PipelineConfig;
  readonly #extractor: JsonFieldExtractor;
  readonly #keyPath: number;
  readonly #timePath: number;
  readonly #fieldPath0: number;
  readonly #filter: TopicFilter | null;
  readonly #level = new Int32Array(2);
  #keyId = new Int32Array(1024);
  #timeMs = new Float64Array(1024);
  #values = new Float64Array(1024);

  constructor(config: PipelineConfig, keys: KeyTable) {
    this.#config = config;
    this.keys = keys;
    const paths: string[] = [];
    this.#keyPath = "field" in config.key ? paths.push(config.key.field) - 1 : -1;
    this.#timePath = config.time !== undefined ? paths.push(config.time) - 1 : -1;
    this.#fieldPath0 = paths.length;
    paths.push(...config.fields);
    // The kernel needs one path; a count-only pipeline keyed by topic level still validates JSON.
    this.#extractor = new JsonFieldExtractor(paths.length > 0 ? paths : [["\u0000"]]);
    this.#filter = config.match !== undefined ? compileTopicFilter(config.match) : null;
  }

  read(batch: Uint8Array): BatchFields {
    const cols = decodeBatchColumns(batch);
    const n = cols.count;
    this.#ensure(n);
    const json = this.#extractor.extract(cols.records, cols.valuePosition, cols.valueLength);
    const out: BatchFields = { count: n, cols, keyId: this.#keyId, timeMs: this.#timeMs, values: this.#values, rejected: [] };
    const baseMs = cols.header.logAppendTime ? cols.header.maxTimestampMs : cols.header.baseTimestampMs;
    for (let i = 0; i < n; i++) {
      out.timeMs[i] = cols.header.logAppendTime ? baseMs : baseMs + cols.timestampDeltaMs[i];
      if (this.#filter && !this.#matches(cols, i)) {
        out.keyId[i] = SKIPPED;
        continue;
      }
      const reason = this.#readRecord(cols, json, i, out);
      if (reason !== undefined) {
        out.keyId[i] = REJECTED;
        out.rejected.push({ index: i, reason });
      }
    }
    return out;
  }

  #matches(cols: BatchColumns, i: number): boolean {
    const length = cols.keyLength[i];
    return length >= 0 && topicMatches(this.#filter!, cols.records, cols.keyPosition[i], length);
  }

  /** Fills record i's key id, time and values; returns the dead-letter reason if it cannot. */
  #readRecord(cols: BatchColumns, json: JsonFields, i: number, out: BatchFields): string | undefined {
    const status = json.docStatus[i];
    if (status !== JsonDocStatus.ok) {
      return status === JsonDocStatus.null ? jsonDocReasons[status] : `${jsonDocReasons[status]} (at byte ${json.errorPosition[i]})`;
    }
    const n = json.count;
    const config = this.#config;
    if (this.#timePath >= 0) {
      const at = this.#timePath * n + i;
      if (json.kind[at] !== JsonKind.number || !Number.isFinite(json.number[at])) return `the time field '${config.time}' is ${kindText(json.kind[at])}, not a number of epoch ms`;
      out.timeMs[i] = json.number[at];
    }
    for (let f = 0; f < config.fields.length; f++) {
      const at = (this.#fieldPath0 + f) * n + i;
      if (json.kind[at] !== JsonKind.number || !Number.isFinite(json.number[at])) return `the field '${config.fields[f]}' is ${kindText(json.kind[at])}, not a finite number`;
      out.values[f * n + i] = json.number[at];
    }
    return this.#readKey(cols, json, i, out);
  }

  #readKey(cols: BatchColumns, json: JsonFields, i: number, out: BatchFields): string | undefined {
    const key = this.#config.key;
    if ("topicLevel" in key) {
      const length = cols.keyLength[i];
      if (length < 0 || !topicLevel(cols.records, cols.keyPosition[i], length, key.topicLevel, this.#level)) {
        return `the record key (the MQTT topic) has no level ${key.topicLevel} for the group key topic[${key.topicLevel}]`;
      }
      out.keyId[i] = this.keys.intern(cols.records, this.#level[0], this.#level[1] - this.#level[0]);
      return undefined;
    }
    const at = this.#keyPath * json.count + i;
    const kind = json.kind[at];
    if (kind === JsonKind.string || kind === JsonKind.number) out.keyId[i] = this.keys.intern(cols.records, json.position[at], json.length[at]);
    else if (kind === JsonKind.stringUnescaped) out.keyId[i] = this.keys.intern(json.unescaped, json.position[at], json.length[at]);
    else return `the key field '${key.field}' is ${kindText(kind)}, not a string or number`;
    return undefined;
  }

  #ensure(n: number): void {
    if (this.#keyId.length >= n && this.#values.length >= n * this.#config.fields.length) return;
    const size = Math.max(n, this.#keyId.length * 2);
    this.#keyId = new Int32Array(size);
    this.#timeMs = new Float64Array(size);
    this.#values = new Float64Array(size * Math.max(1, this.#config.fields.length));
  }
}

function kindText(kind: number): string {
  switch (kind) {
    case JsonKind.missing: return "missing";
    case JsonKind.number: return "not finite";
    case JsonKind.string: case JsonKind.stringUnescaped: return "a string";
    case JsonKind.null: return "null";
    case JsonKind.true: case JsonKind.false: return "a boolean";
    case JsonKind.object: return "an object";
    case JsonKind.array: return "an array";
    default: return "not readable";
  }
}
