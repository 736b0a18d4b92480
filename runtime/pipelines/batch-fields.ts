// One stored batch → what a window engine folds, two ways:
//  - the fused kernel (runtime/core BatchFolder) for tumbling/hopping windows keyed by a field:
//    decode, JSON/MessagePack extraction, keying and the fold in one wasm call per batch;
//  - per-record columns (group key id, event time, numeric fields) read in bulk in wasm, for the
//    window types the engine assigns itself.
// Records that cannot be aggregated get the reason for the dead-letter topic. No JS object per
// record except for rejected ones.
import {
  BatchFolder, decodeBatchColumns, docReason, FoldListed, JsonDocStatus, JsonFieldExtractor, JsonKind,
  type BatchColumns, type JsonFields, type JsonPath, type ListedRecord, type OpenWindows, type WindowAccumulators,
} from "../core/index.ts";
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
    const { paths, keyPath, timePath, fieldPath0 } = pipelinePaths(config);
    this.#keyPath = keyPath;
    this.#timePath = timePath;
    this.#fieldPath0 = fieldPath0;
    this.#extractor = new JsonFieldExtractor(paths, { format: config.format });
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
    const config = this.#config;
    if (status !== JsonDocStatus.ok) return documentReason(config, status, json.errorPosition[i]);
    const n = json.count;
    if (this.#timePath >= 0) {
      const at = this.#timePath * n + i;
      if (json.kind[at] !== JsonKind.number || !Number.isFinite(json.number[at])) return timeReason(config, json.kind[at]);
      out.timeMs[i] = json.number[at];
    }
    for (let f = 0; f < config.fields.length; f++) {
      const at = (this.#fieldPath0 + f) * n + i;
      if (json.kind[at] !== JsonKind.number || !Number.isFinite(json.number[at])) return fieldReason(config, f, json.kind[at]);
      out.values[f * n + i] = json.number[at];
    }
    return this.#readKey(cols, json, i, out);
  }

  #readKey(cols: BatchColumns, json: JsonFields, i: number, out: BatchFields): string | undefined {
    const key = this.#config.key;
    if ("topicLevel" in key) {
      const length = cols.keyLength[i];
      if (length < 0 || !topicLevel(cols.records, cols.keyPosition[i], length, key.topicLevel, this.#level)) {
        return keyLevelReason(key.topicLevel);
      }
      out.keyId[i] = this.keys.intern(cols.records, this.#level[0], this.#level[1] - this.#level[0]);
      return undefined;
    }
    const at = this.#keyPath * json.count + i;
    const kind = json.kind[at];
    if (kind === JsonKind.number && this.#config.format === "msgpack") {
      // A MessagePack integer key is its decimal text (what String() gives after msgpackr).
      const text = msgpackIntegerText(cols.records, json.position[at]);
      if (text === undefined) return keyFloatReason(this.#config);
      const bytes = utf8.encode(text);
      out.keyId[i] = this.keys.intern(bytes, 0, bytes.length);
    } else if (kind === JsonKind.string || kind === JsonKind.number) out.keyId[i] = this.keys.intern(cols.records, json.position[at], json.length[at]);
    else if (kind === JsonKind.stringUnescaped) out.keyId[i] = this.keys.intern(json.unescaped, json.position[at], json.length[at]);
    else return keyReason(this.#config, kind);
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

const utf8 = new TextEncoder();

/**
 * The field paths a pipeline extracts, as both paths (FieldReader, the fused kernel) index them:
 * the key's when keyed by a field, the time's, then the fields (-1: none). Never no path: the
 * kernels need one, and a count-only pipeline keyed by topic level still validates the value.
 */
function pipelinePaths(config: PipelineConfig): { paths: JsonPath[]; keyPath: number; timePath: number; fieldPath0: number } {
  const paths: JsonPath[] = [];
  const keyPath = "field" in config.key ? paths.push(config.key.field) - 1 : -1;
  const timePath = config.time !== undefined ? paths.push(config.time) - 1 : -1;
  const fieldPath0 = paths.length;
  paths.push(...config.fields);
  if (paths.length === 0) paths.push(["\u0000"]);
  return { paths, keyPath, timePath, fieldPath0 };
}

/**
 * The fused kernel for this pipeline, or null when the engine must assign windows itself (a
 * window type other than tumbling/hopping, or emit: update).
 */
export function createFolder(config: PipelineConfig, accumulators: WindowAccumulators, openWindows: OpenWindows): BatchFolder | null {
  const w = config.window;
  if ((w.type !== "tumbling" && w.type !== "hopping") || config.emit !== "final") return null;
  return new BatchFolder({
    format: config.format, ...pipelinePaths(config), keyLevel: "topicLevel" in config.key ? config.key.topicLevel : -1, filter: config.match,
    fieldCount: config.fields.length, sizeMs: w.sizeMs, advanceMs: w.type === "hopping" ? w.advanceMs : w.sizeMs, graceMs: w.graceMs,
  }, accumulators, openWindows);
}

/** The dead-letter reason of a record the fused kernel listed (not a late one). */
export function listedReason(config: PipelineConfig, r: ListedRecord): string {
  switch (r.what) {
    case FoldListed.document: return documentReason(config, r.detail, r.errorPosition);
    case FoldListed.time: return timeReason(config, r.detail);
    case FoldListed.field: return fieldReason(config, r.detail >> 4, r.detail & 15);
    case FoldListed.keyFloat: return keyFloatReason(config);
    case FoldListed.keyLevel: return keyLevelReason("topicLevel" in config.key ? config.key.topicLevel : -1);
    default: return keyReason(config, r.detail);
  }
}

function documentReason(config: PipelineConfig, status: number, errorPosition: number): string {
  const reason = docReason(config.format, status);
  return status === JsonDocStatus.null ? reason : `${reason} (at byte ${errorPosition})`;
}

function timeReason(config: PipelineConfig, kind: number): string {
  return `the time field '${config.time}' is ${kindText(kind)}, not a number of epoch ms`;
}

function fieldReason(config: PipelineConfig, f: number, kind: number): string {
  return `the field '${config.fields[f]}' is ${kindText(kind)}, not a finite number`;
}

function keyReason(config: PipelineConfig, kind: number): string {
  return `the key field '${"field" in config.key ? config.key.field : ""}' is ${kindText(kind)}, not a string or number`;
}

function keyLevelReason(level: number): string {
  return `the record key (the MQTT topic) has no level ${level} for the group key topic[${level}]`;
}

function keyFloatReason(config: PipelineConfig): string {
  return `the key field '${"field" in config.key ? config.key.field : ""}' is a MessagePack float; a group key must be a string or an integer`;
}

/** The decimal text of the MessagePack integer encoded at bytes[at], or undefined for a float. */
function msgpackIntegerText(bytes: Uint8Array, at: number): string | undefined {
  const c = bytes[at];
  if (c < 0x80) return String(c);
  if (c >= 0xe0) return String(c - 0x100);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at + 1);
  switch (c) {
    case 0xcc: return String(view.getUint8(0));
    case 0xcd: return String(view.getUint16(0));
    case 0xce: return String(view.getUint32(0));
    case 0xcf: return String(view.getBigUint64(0));
    case 0xd0: return String(view.getInt8(0));
    case 0xd1: return String(view.getInt16(0));
    case 0xd2: return String(view.getInt32(0));
    case 0xd3: return String(view.getBigInt64(0));
    default: return undefined;
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
    case JsonKind.binary: return "binary data (MessagePack bin)";
    case JsonKind.extension: return "a MessagePack ext value";
    default: return "not readable";
  }
}
