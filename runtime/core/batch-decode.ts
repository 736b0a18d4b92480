// RecordBatch v2 bytes → checks, records, columns. Header checks run in JS (fixed offsets), in
// Kafka's order; the records are walked in wasm in one call, after decompression if compressed.
import {
  ATTRIBUTES_OFFSET, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, MAGIC_V2, readBatchHeader,
} from "./batch-header.ts";
import { CRC_HARDWARE_BYTES_MIN, hardwareCrc32c } from "./crc32c.ts";
import { checkStatus, errorForStatus, Status } from "./errors.ts";
import { decompress } from "./compression.ts";
import { Compression, type BatchHeader, type DecodedRecord, type RecordHeader } from "./types.ts";
import { workspace, type Workspace } from "./workspace.ts";

export interface BatchLimits {
  /** Largest whole batch accepted (Kafka's max.message.bytes); larger gets BatchTooLargeError. */
  maxBatchBytes?: number;
  /** Cap on a compressed batch's records once decompressed. */
  maxDecompressedBytes?: number;
  /** validateBatch only: refuse records with a null key (Kafka's rule for compacted topics). */
  requireKeys?: boolean;
}

export const DEFAULT_MAX_BATCH_BYTES = 0x7fff_ffff;
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
/** Must match wasm-core/assembly/batch-decode.ts. */
export const RECORD_BYTES_MIN = 7;
const WALK_STRICT_OFFSETS = 1;
const WALK_REQUIRE_KEYS = 2;
const CODEC_MAX = Compression.zstd;

/** Checks that need only the header: sizes, magic. Returns the batch's total bytes. */
function checkFraming(bytes: Uint8Array, header: BatchHeader, maxBatchBytes: number): number {
  if (header.batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) {
    throw errorForStatus(Status.ERR_BATCH_LENGTH, `batchLength is ${header.batchLength}, the header alone needs 49`);
  }
  const total = header.batchLength + BATCH_LENGTH_PREFIX_BYTES;
  if (total > maxBatchBytes) {
    throw errorForStatus(Status.ERR_BATCH_TOO_LARGE, `${total} bytes, the limit is ${maxBatchBytes}`);
  }
  if (total > bytes.length) {
    throw errorForStatus(Status.ERR_BATCH_TRUNCATED, `batchLength says ${total} bytes, ${bytes.length} given`);
  }
  if (total < bytes.length) {
    throw errorForStatus(Status.ERR_BATCH_TRAILING_BYTES, `${bytes.length - total} bytes follow the batch's ${total}`);
  }
  if (header.magic !== MAGIC_V2) throw errorForStatus(Status.ERR_BATCH_MAGIC, `magic is ${header.magic}`);
  return total;
}

/**
 * Checks the CRC: the hardware CRC on `bytes` for large batches, else the wasm kernel on a copy
 * left in the input region. Returns whether that copy is there (so loadRecords can reuse it).
 */
function checkCrc(ws: Workspace, bytes: Uint8Array, header: BatchHeader): boolean {
  const hardware = hardwareCrc32c;
  let crc: number;
  let copied = false;
  if (hardware !== null && bytes.length >= CRC_HARDWARE_BYTES_MIN) {
    crc = hardware(bytes.subarray(ATTRIBUTES_OFFSET));
  } else {
    const ptr = ws.input.write(bytes);
    crc = ws.core.exports.crc32c(ptr + ATTRIBUTES_OFFSET, bytes.length - ATTRIBUTES_OFFSET) >>> 0;
    copied = true;
  }
  if (crc !== header.crc) {
    throw errorForStatus(Status.ERR_BATCH_CRC, `stored 0x${hex(header.crc)}, computed 0x${hex(crc)}`);
  }
  return copied;
}

/** Leaves the records section in wasm memory (decompressed, capped, if compressed): [ptr, length]. */
function loadRecords(ws: Workspace, bytes: Uint8Array, header: BatchHeader, limits: BatchLimits, copied: boolean): [number, number] {
  if (header.compression > CODEC_MAX) {
    throw errorForStatus(Status.ERR_UNSUPPORTED_COMPRESSION, `codec id ${header.compression}`);
  }
  if (header.compression === Compression.none) {
    const ptr = copied ? ws.input.ptr : ws.input.write(bytes);
    return [ptr + BATCH_HEADER_BYTES, bytes.length - BATCH_HEADER_BYTES];
  }
  const maxDecompressed = limits.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const records = decompress(header.compression, bytes.subarray(BATCH_HEADER_BYTES), maxDecompressed);
  return [ws.input.write(records), records.length];
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** Kafka's produce-time semantic checks on the header (LogValidator step 3). */
function checkProduceRules(header: BatchHeader): void {
  if (header.recordCount <= 0 || header.lastOffsetDelta + 1 !== header.recordCount) {
    throw errorForStatus(
      Status.ERR_BATCH_RECORD_COUNT, `lastOffsetDelta ${header.lastOffsetDelta}, recordCount ${header.recordCount}`,
    );
  }
  if (header.control) throw errorForStatus(Status.ERR_BATCH_CONTROL);
  if (header.producerId >= 0 && header.baseSequence < 0) {
    throw errorForStatus(Status.ERR_BATCH_SEQUENCE, `producerId ${header.producerId}, baseSequence ${header.baseSequence}`);
  }
}

function checkCountFits(count: number, recordsBytes: number): void {
  if (count < 0 || count > recordsBytes / RECORD_BYTES_MIN) {
    throw errorForStatus(Status.ERR_RECORD_COUNT_MISMATCH, `recordCount ${count} cannot fit in ${recordsBytes} bytes`);
  }
}

/**
 * Validates a produced batch in Kafka's order: sizes, magic 2, CRC, lastOffsetDelta + 1 ==
 * count > 0, no control batch, baseSequence >= 0 with a producerId, then every record
 * (decompressed first when compressed), with keys required if `limits.requireKeys`. baseOffset
 * is not checked. Throws a LedgeWasmError.
 */
export function validateBatch(bytes: Uint8Array, limits: BatchLimits = {}): BatchHeader {
  const header = readBatchHeader(bytes);
  checkFraming(bytes, header, limits.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
  const ws = workspace();
  const copied = checkCrc(ws, bytes, header);
  checkProduceRules(header);
  const [ptr, length] = loadRecords(ws, bytes, header, limits, copied);
  checkCountFits(header.recordCount, length);
  const flags = WALK_STRICT_OFFSETS | (limits.requireKeys === true ? WALK_REQUIRE_KEYS : 0);
  checkStatus(ws.core.exports.walkRecords(ptr, length, header.recordCount, header.lastOffsetDelta, flags, 0, 0, 0));
  return header;
}

/** A decoded batch as columns: typed arrays the caller owns, positions into `records`. */
export interface BatchColumns {
  header: BatchHeader;
  /** The (decompressed) records section; every position below points into it. */
  records: Uint8Array;
  count: number;
  timestampDeltaMs: Float64Array;
  offsetDelta: Int32Array;
  keyPosition: Int32Array;
  /** -1 for a null key. */
  keyLength: Int32Array;
  valuePosition: Int32Array;
  valueLength: Int32Array;
  /** Headers of record i are headerStart[i] .. headerStart[i + 1] - 1. */
  headerStart: Int32Array;
  headerKeyPosition: Int32Array;
  headerKeyLength: Int32Array;
  headerValuePosition: Int32Array;
  headerValueLength: Int32Array;
}

/** Must match wasm-core/assembly/batch-decode.ts. */
const RECORD_COLUMN_BYTES = 32;
const HEADER_COLUMN_BYTES = 16;

/** Walks the records into the workspace's column regions; returns the header count. */
function walkIntoColumns(ws: Workspace, ptr: number, length: number, header: BatchHeader): number {
  const count = header.recordCount;
  const columns = ws.columns.ensure(count * RECORD_COLUMN_BYTES + 4);
  let capacity = Math.floor(ws.headerColumns.capacityBytes / HEADER_COLUMN_BYTES);
  const walk = () =>
    checkStatus(ws.core.exports.walkRecords(ptr, length, count, header.lastOffsetDelta, 0, columns, ws.headerColumns.ptr, capacity));
  let headers = walk();
  if (headers > capacity) {
    // The readers below take the stride from the region's capacity, so walk with all of it.
    ws.headerColumns.ensure(headers * HEADER_COLUMN_BYTES);
    capacity = Math.floor(ws.headerColumns.capacityBytes / HEADER_COLUMN_BYTES);
    headers = walk();
  }
  return headers;
}

/** Structural checks + CRC for reading (stored or fetched batches, which may be compacted or empty). */
function loadForDecode(bytes: Uint8Array, limits: BatchLimits): { ws: Workspace; header: BatchHeader; ptr: number; length: number } {
  const header = readBatchHeader(bytes);
  checkFraming(bytes, header, limits.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES);
  const ws = workspace();
  const [ptr, length] = loadRecords(ws, bytes, header, limits, checkCrc(ws, bytes, header));
  checkCountFits(header.recordCount, length);
  return { ws, header, ptr, length };
}

/**
 * Checks a batch for reading (structure, CRC, every record walked) and leaves its records
 * section in wasm memory (decompressed if compressed) for a kernel to read in place: valid until
 * the next runtime/core call that decodes, validates or encodes a batch.
 */
export function loadCheckedRecords(bytes: Uint8Array, limits: BatchLimits = {}): { header: BatchHeader; ptr: number; length: number } {
  const { ws, header, ptr, length } = loadForDecode(bytes, limits);
  checkStatus(ws.core.exports.walkRecords(ptr, length, header.recordCount, header.lastOffsetDelta, 0, 0, 0, 0));
  return { header, ptr, length };
}

/** Decodes a batch into columns (copies the caller owns). Checks structure and CRC, not produce rules. */
export function decodeBatchColumns(bytes: Uint8Array, limits: BatchLimits = {}): BatchColumns {
  const { ws, header, ptr, length } = loadForDecode(bytes, limits);
  const headers = walkIntoColumns(ws, ptr, length, header);
  const n = header.recordCount;
  const memory = ws.core.bytes;
  // One buffer for the records and every column (a batch of a few records, as MQTT group commits
  // store them, paid more for six buffers than for its records): the column regions, then the
  // records. Columns start 8-aligned for the f64 timestamps.
  const columnBytes = n * RECORD_COLUMN_BYTES + 4;
  const headerAt = align8(columnBytes);
  const recordsAt = headerAt + headers * HEADER_COLUMN_BYTES;
  const out = new Uint8Array(recordsAt + length);
  out.set(memory.subarray(ws.columns.ptr, ws.columns.ptr + columnBytes));
  const cap = Math.floor(ws.headerColumns.capacityBytes / HEADER_COLUMN_BYTES);
  for (let k = 0; k < 4; k++) {
    const from = ws.headerColumns.ptr + k * cap * 4;
    out.set(memory.subarray(from, from + headers * 4), headerAt + k * headers * 4);
  }
  out.set(memory.subarray(ptr, ptr + length), recordsAt);
  const buffer = out.buffer;
  const ints = (index: number, size: number) => new Int32Array(buffer, n * 8 + index * n * 4, size);
  const headerColumn = (index: number) => new Int32Array(buffer, headerAt + index * headers * 4, headers);
  return {
    header, records: out.subarray(recordsAt), count: n,
    timestampDeltaMs: new Float64Array(buffer, 0, n),
    offsetDelta: ints(0, n), keyPosition: ints(1, n), keyLength: ints(2, n),
    valuePosition: ints(3, n), valueLength: ints(4, n), headerStart: ints(5, n + 1),
    headerKeyPosition: headerColumn(0), headerKeyLength: headerColumn(1),
    headerValuePosition: headerColumn(2), headerValueLength: headerColumn(3),
  };
}

function align8(bytes: number): number {
  return (bytes + 7) & ~7;
}

const utf8 = new TextDecoder();

/** A view of a field, or null for length -1. */
function field(records: Uint8Array, position: number, length: number): Uint8Array | null {
  return length < 0 ? null : records.subarray(position, position + length);
}

function readHeaders(records: Uint8Array, h: Int32Array, cap: number, first: number, end: number): RecordHeader[] {
  const headers: RecordHeader[] = [];
  for (let k = first; k < end; k++) {
    const key = records.subarray(h[k], h[k] + h[cap + k]);
    headers.push({ key: utf8.decode(key), value: field(records, h[2 * cap + k], h[3 * cap + k]) });
  }
  return headers;
}

/**
 * Decodes a batch (structure and CRC checked; produce rules not, so stored, compacted or empty
 * batches decode). Keys and values are views into one buffer the result owns.
 */
export function decodeBatch(bytes: Uint8Array, limits: BatchLimits = {}): { header: BatchHeader; records: DecodedRecord[] } {
  const { ws, header, ptr, length } = loadForDecode(bytes, limits);
  walkIntoColumns(ws, ptr, length, header);
  const n = header.recordCount;
  const memory = ws.core.bytes;
  const owned = memory.slice(ptr, ptr + length);
  const times = new Float64Array(memory.buffer, ws.columns.ptr, n);
  const c = new Int32Array(memory.buffer, ws.columns.ptr + n * 8, n * 6 + 1);
  const cap = Math.floor(ws.headerColumns.capacityBytes / HEADER_COLUMN_BYTES);
  const h = new Int32Array(memory.buffer, ws.headerColumns.ptr, cap * 4);
  const records: DecodedRecord[] = new Array(n);
  const appendTime = header.logAppendTime;
  for (let i = 0; i < n; i++) {
    const headersFirst = c[5 * n + i];
    const headersEnd = c[5 * n + i + 1];
    records[i] = {
      offset: header.baseOffset + c[i],
      timestampMs: appendTime ? header.maxTimestampMs : header.baseTimestampMs + times[i],
      key: field(owned, c[n + i], c[2 * n + i]),
      value: field(owned, c[3 * n + i], c[4 * n + i]),
      headers: headersFirst === headersEnd ? [] : readHeaders(owned, h, cap, headersFirst, headersEnd),
    };
  }
  return { header, records };
}
