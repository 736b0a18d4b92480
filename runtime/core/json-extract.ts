// JSON field extraction in the wasm core (wasm-core/assembly/json-extract.ts): all documents of
// a batch in one call, a few field paths, typed-array columns out; no JS object per document.
import { checkStatus } from "./errors.ts";
import { Region } from "./region.ts";
import { core, type WasmCore } from "./wasm.ts";

/** What a path found in a document. Must match KIND_* in wasm-core/assembly/json-extract.ts. */
export const JsonKind = {
  missing: 0,
  number: 1,
  /** position/length span the raw bytes between the quotes in the documents (no escapes there). */
  string: 2,
  /** The string had escapes: position/length span its decoded UTF-8 in `JsonFields.unescaped`. */
  stringUnescaped: 3,
  null: 4,
  true: 5,
  false: 6,
  object: 7,
  array: 8,
  /** The document is not valid JSON (or has no value): see docStatus. */
  invalid: 9,
  /** MessagePack bin (position/length span its bytes). */
  binary: 10,
  /** MessagePack ext (position/length span its data). */
  extension: 11,
} as const;

/** Why a document was refused. Must match DOC_* in wasm-core/assembly/json-extract.ts. */
export const JsonDocStatus = {
  ok: 0,
  null: 1,
  unexpected: 2,
  string: 3,
  utf8: 4,
  number: 5,
  tooDeep: 6,
  trailing: 7,
  /** MessagePack: a value runs past the end of the document. */
  msgpackTruncated: 8,
  /** MessagePack: the byte 0xc1, which the format never uses. */
  msgpackNeverUsed: 9,
  /** MessagePack: a map key that is a map, an array, bin or ext. */
  msgpackKey: 10,
} as const;

/** Operator text for each JsonDocStatus (a dead-letter reason); the byte offset goes after it. */
export const jsonDocReasons: Readonly<Record<number, string>> = {
  [JsonDocStatus.null]: "the record has no value (null), so no JSON document",
  [JsonDocStatus.unexpected]: "not JSON: an unexpected byte, or the document ends too early",
  [JsonDocStatus.string]: "not JSON: a string holds a control character or a bad escape, or is not closed",
  [JsonDocStatus.utf8]: "not JSON: the bytes are not valid UTF-8",
  [JsonDocStatus.number]: "not JSON: a malformed number",
  [JsonDocStatus.tooDeep]: "the document nests objects and arrays deeper than 1024 levels",
  [JsonDocStatus.trailing]: "not JSON: bytes follow the document's value",
  [JsonDocStatus.msgpackTruncated]: "not MessagePack: a value runs past the end of the record's value (truncated)",
  [JsonDocStatus.msgpackNeverUsed]: "not MessagePack: the byte 0xc1, which MessagePack never uses",
  [JsonDocStatus.msgpackKey]: "not MessagePack a JS reader can read: a map key is a map, an array, bin or ext",
};

/** The document formats the extractor reads. */
export type FieldFormat = "json" | "msgpack";

/** The operator text for a refused document of `format` (the byte offset goes after it). */
export function docReason(format: FieldFormat, status: number): string {
  if (format === "msgpack") {
    if (status === JsonDocStatus.trailing) return "not MessagePack: bytes follow the record value's first value";
    if (status === JsonDocStatus.tooDeep) return "the document nests maps and arrays deeper than 1024 levels";
  }
  return jsonDocReasons[status];
}

/** Limits of the kernel (json-extract.ts): more paths or segments, or longer names, are refused. */
export const JSON_PATHS_MAX = 32;
export const JSON_SEGMENTS_MAX = 16;
export const JSON_SEGMENT_BYTES_MAX = 1024;
export const JSON_NESTING_MAX = 1024;
const BYTES_PER_CELL = 20;
const BYTES_PER_DOC = 8;

/** A field path: "meta.site" (dots separate member names), or the names as a list. */
export type JsonPath = string | readonly string[];

/** Columns for `count` documents and `pathCount` paths; cell (path, doc) is at path * count + doc. */
export interface JsonFields {
  count: number;
  pathCount: number;
  /** Documents whose docStatus is not ok. */
  invalidCount: number;
  /** The value for JsonKind.number, else NaN. */
  number: Float64Array;
  kind: Int32Array;
  /** The value's text: offset into the documents (into `unescaped` for stringUnescaped); -1 if none. */
  position: Int32Array;
  length: Int32Array;
  /** Per document: a JsonDocStatus. */
  docStatus: Int32Array;
  /** Per document: -1, or the byte offset in the document where it stopped being JSON. */
  errorPosition: Int32Array;
  /** Decoded strings that had escapes (WTF-8 for lone surrogates). */
  unescaped: Uint8Array;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Splits and checks one path; throws RangeError for what the kernel cannot match. */
export function jsonPathSegments(path: JsonPath): string[] {
  const segments = typeof path === "string" ? path.split(".") : [...path];
  const shown = JSON.stringify(path);
  if (segments.length < 1 || segments.length > JSON_SEGMENTS_MAX) {
    throw new RangeError(`JSON path ${shown} has ${segments.length} names; 1 to ${JSON_SEGMENTS_MAX} are allowed`);
  }
  for (const segment of segments) {
    if (typeof path === "string" && segment === "") {
      throw new RangeError(`JSON path ${shown} has an empty name (give the path as a list to name an empty key)`);
    }
    if (/\p{Surrogate}/u.test(segment)) throw new RangeError(`JSON path ${shown} holds a lone surrogate`);
    if (utf8.encode(segment).length > JSON_SEGMENT_BYTES_MAX) {
      throw new RangeError(`JSON path ${shown} has a name longer than ${JSON_SEGMENT_BYTES_MAX} bytes`);
    }
  }
  return segments;
}

class JsonWorkspace {
  readonly core: WasmCore;
  readonly documents: Region;
  readonly descriptors: Region;
  readonly paths: Region;
  readonly columns: Region;
  readonly unescaped: Region;

  constructor(wasm: WasmCore) {
    this.core = wasm;
    this.documents = new Region(wasm, 64 * 1024);
    this.descriptors = new Region(wasm, 4096);
    this.paths = new Region(wasm, 4096);
    this.columns = new Region(wasm, 16 * 1024);
    this.unescaped = new Region(wasm, 4096);
  }
}

let shared: JsonWorkspace | undefined;

function jsonWorkspace(): JsonWorkspace {
  shared ??= new JsonWorkspace(core());
  return shared;
}

type ExtractKernel = (
  documents: number, positions: number, lengths: number, count: number,
  pathTable: number, pathCount: number, names: number, namesLength: number,
  out: number, unescaped: number, unescapedCapacity: number,
) => number;

interface JsonKernel {
  jsonExtract: ExtractKernel;
  msgpackExtract: ExtractKernel;
}

/**
 * A compiled set of field paths; `extract` runs them over a batch of documents, JSON (default)
 * or MessagePack (wasm-core/assembly/msgpack-extract.ts: same columns, strings as raw bytes).
 */
export class JsonFieldExtractor {
  readonly paths: readonly (readonly string[])[];
  readonly format: FieldFormat;
  /** Path table + names, as the kernel reads them: i32 table bytes first, then the names. */
  readonly #table: Int32Array;
  readonly #names: Uint8Array;

  constructor(paths: readonly JsonPath[], options: { format?: FieldFormat } = {}) {
    this.format = options.format ?? "json";
    if (paths.length < 1 || paths.length > JSON_PATHS_MAX) {
      throw new RangeError(`${paths.length} JSON paths given; 1 to ${JSON_PATHS_MAX} are allowed`);
    }
    this.paths = paths.map(jsonPathSegments);
    const seen = new Set(this.paths.map((p) => JSON.stringify(p)));
    if (seen.size !== paths.length) throw new RangeError(`JSON paths ${JSON.stringify(paths)} name the same field twice`);
    const table: number[] = [];
    const names: number[] = [];
    for (const segments of this.paths) {
      table.push(segments.length);
      for (const segment of segments) {
        const bytes = utf8.encode(segment);
        table.push(names.length, bytes.length);
        names.push(...bytes);
      }
    }
    this.#table = Int32Array.from(table);
    this.#names = Uint8Array.from(names);
  }

  /** The path table and names as the kernels read them (for runtime/core's BatchFolder). */
  get compiled(): { table: Int32Array; names: Uint8Array } {
    return { table: this.#table, names: this.#names };
  }

  /**
   * Extracts every path from the documents at `documents[positions[i] .. + lengths[i]]`
   * (length -1: no value). Returns columns the caller owns.
   */
  extract(documents: Uint8Array, positions: Int32Array, lengths: Int32Array): JsonFields {
    if (positions.length !== lengths.length) {
      throw new RangeError(`${positions.length} positions but ${lengths.length} lengths`);
    }
    const count = positions.length;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const length = lengths[i];
      if (length < -1 || positions[i] < 0 || (length > 0 && positions[i] + length > documents.length)) {
        throw new RangeError(`document ${i} (position ${positions[i]}, length ${length}) lies outside the ${documents.length} bytes given`);
      }
      if (length > 0) total += length;
    }
    const ws = jsonWorkspace();
    const pathCount = this.paths.length;
    const tableBytes = this.#table.length * 4;
    const pathsPtr = ws.paths.ensure(tableBytes + this.#names.length);
    const columnBytes = count * pathCount * BYTES_PER_CELL + count * BYTES_PER_DOC;
    const columnsPtr = ws.columns.ensure(columnBytes);
    const descriptorsPtr = ws.descriptors.ensure(count * 8);
    const unescapedPtr = ws.unescaped.ensure(total);
    const documentsPtr = ws.documents.write(documents);
    const memory = ws.core.bytes;
    new Int32Array(memory.buffer, pathsPtr, this.#table.length).set(this.#table);
    memory.set(this.#names, pathsPtr + tableBytes);
    new Int32Array(memory.buffer, descriptorsPtr, count).set(positions);
    new Int32Array(memory.buffer, descriptorsPtr + count * 4, count).set(lengths);
    const kernel = ws.core.exports as unknown as JsonKernel;
    const run = this.format === "msgpack" ? kernel.msgpackExtract : kernel.jsonExtract;
    const invalidCount = checkStatus(
      run(
        documentsPtr, descriptorsPtr, descriptorsPtr + count * 4, count,
        pathsPtr, pathCount, pathsPtr + tableBytes, this.#names.length,
        columnsPtr, unescapedPtr, total,
      ),
      `extracting ${pathCount} ${this.format} paths from ${count} documents`,
    );
    const cells = count * pathCount;
    const columns = ws.core.bytes.slice(columnsPtr, columnsPtr + columnBytes).buffer;
    let unescapedLength = 0;
    const kind = new Int32Array(columns, cells * 8, cells);
    const position = new Int32Array(columns, cells * 12, cells);
    const length = new Int32Array(columns, cells * 16, cells);
    for (let c = 0; c < cells; c++) {
      if (kind[c] === JsonKind.stringUnescaped) unescapedLength = Math.max(unescapedLength, position[c] + length[c]);
    }
    return {
      count, pathCount, invalidCount,
      number: new Float64Array(columns, 0, cells), kind, position, length,
      docStatus: new Int32Array(columns, cells * 20, count),
      errorPosition: new Int32Array(columns, cells * 20 + count * 4, count),
      unescaped: ws.unescaped.view(unescapedLength).slice(),
    };
  }
}

/** The string a (path, doc) cell holds, decoded to a JS string (for tests and reasons; not a hot path). */
export function jsonFieldString(fields: JsonFields, documents: Uint8Array, path: number, doc: number): string | undefined {
  const at = path * fields.count + doc;
  const kind = fields.kind[at];
  if (kind !== JsonKind.string && kind !== JsonKind.stringUnescaped) return undefined;
  const source = kind === JsonKind.string ? documents : fields.unescaped;
  return decodeWtf8(source.subarray(fields.position[at], fields.position[at] + fields.length[at]));
}

/** UTF-8, plus the 3-byte forms of lone surrogates (ED A0-BF xx) that escapes like \uD800 decode to. */
function decodeWtf8(bytes: Uint8Array): string {
  let surrogates = false;
  for (let i = 0; i + 1 < bytes.length && !surrogates; i++) surrogates = bytes[i] === 0xed && bytes[i + 1] >= 0xa0;
  if (!surrogates) return utf8Decoder.decode(bytes);
  let out = "";
  let start = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] !== 0xed || bytes[i + 1] < 0xa0) continue;
    out += utf8Decoder.decode(bytes.subarray(start, i));
    out += String.fromCharCode(0xd000 | ((bytes[i + 1] & 0x3f) << 6) | (bytes[i + 2] & 0x3f));
    start = i + 3;
    i += 2;
  }
  return out + utf8Decoder.decode(bytes.subarray(start));
}
