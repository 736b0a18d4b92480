// Records → RecordBatch v2 bytes. JS lays the records out in wasm memory once (descriptors and
// one data region); one kernel call writes every record and computes the CRC as it goes.
import { checkStatus, errorForStatus, Status } from "./errors.ts";
import { compress } from "./compression.ts";
import {
  ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTE_LOG_APPEND_TIME, ATTRIBUTE_TRANSACTIONAL, ATTRIBUTE_CONTROL, ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET, BASE_SEQUENCE_OFFSET, BASE_TIMESTAMP_OFFSET, BATCH_HEADER_BYTES, BATCH_LENGTH_OFFSET,
  BATCH_LENGTH_PREFIX_BYTES, checkInteger, CRC_OFFSET, INT16_MAX, INT32_MAX, LAST_OFFSET_DELTA_OFFSET, MAGIC_OFFSET, MAGIC_V2, MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET, PRODUCER_EPOCH_OFFSET, PRODUCER_ID_OFFSET, RECORD_COUNT_OFFSET, viewOf, writeInt64,
} from "./batch-header.ts";
import { crc32c } from "./crc32c.ts";
import { Compression, type BatchOptions, type EncodedBatch, type RecordColumns, type RecordHeader, type RecordInput } from "./types.ts";
import { workspace, type Workspace } from "./workspace.ts";

/** Must match wasm-core/assembly/batch.ts. */
const RECORD_DESC_INTS = 5;
const HEADER_DESC_INTS = 2;
/** Worst case per record beyond its bytes: length, attributes, timestampDelta, offsetDelta, key/value lengths, header count. */
const RECORD_OVERHEAD_BYTES_MAX = 5 + 1 + 10 + 5 + 5 + 5 + 5;
const HEADER_OVERHEAD_BYTES_MAX = 10;
const TWO_POW_32 = 0x1_0000_0000;
const utf8 = new TextEncoder();

interface Layout {
  headerCount: number;
  dataBytesMax: number;
}

function measure(records: RecordInput[]): Layout {
  let headerCount = 0;
  let dataBytesMax = 0;
  for (const record of records) {
    dataBytesMax += (record.key?.length ?? 0) + (record.value?.length ?? 0);
    const headers = record.headers;
    if (headers === undefined) continue;
    headerCount += headers.length;
    for (const header of headers) dataBytesMax += header.key.length * 3 + (header.value?.length ?? 0);
  }
  return { headerCount, dataBytesMax };
}

/** Copies keys, values and headers into wasm memory and fills the descriptors. Returns data bytes used. */
function layOut(ws: Workspace, records: RecordInput[], baseTimestampMs: number): number {
  const memory = ws.core.bytes;
  const desc = new Int32Array(memory.buffer, ws.recordDescriptors.ptr, records.length * RECORD_DESC_INTS);
  const headerDesc = new Int32Array(memory.buffer, ws.headerDescriptors.ptr, ws.headerDescriptors.capacityBytes >> 2);
  let at = ws.data.ptr;
  let d = 0;
  let h = 0;
  for (const record of records) {
    const { key, value, headers } = record;
    const delta = record.timestampMs - baseTimestampMs;
    const deltaHigh = Math.floor(delta / TWO_POW_32);
    desc[d] = key === null ? -1 : key.length;
    desc[d + 1] = value === null ? -1 : value.length;
    desc[d + 2] = headers === undefined ? 0 : headers.length;
    desc[d + 3] = (delta - deltaHigh * TWO_POW_32) | 0;
    desc[d + 4] = deltaHigh;
    d += RECORD_DESC_INTS;
    if (key !== null) { memory.set(key, at); at += key.length; }
    if (value !== null) { memory.set(value, at); at += value.length; }
    if (headers === undefined) continue;
    at = writeRecordHeaders(memory, at, headers, headerDesc, h);
    h += headers.length * HEADER_DESC_INTS;
  }
  return at - ws.data.ptr;
}

/** A record's headers, keys and values, at `at`; their lengths into headerDesc from `h`. Returns
 * where the next record starts. */
function writeRecordHeaders(memory: Uint8Array, at: number, headers: readonly RecordHeader[], headerDesc: Int32Array, h: number): number {
  for (const header of headers) {
    let written = writeAscii(memory, at, header.key);
    if (written < 0) written = utf8.encodeInto(header.key, memory.subarray(at, at + header.key.length * 3)).written;
    at += written;
    headerDesc[h] = written;
    headerDesc[h + 1] = header.value === null ? -1 : header.value.length;
    h += HEADER_DESC_INTS;
    if (header.value !== null) { memory.set(header.value, at); at += header.value.length; }
  }
  return at;
}

/** Header keys are short and nearly always ASCII: copied char by char with no view per key (a
 * view per header was a quarter of all bytes allocated per MQTT message). -1 when not ASCII. */
function writeAscii(memory: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return -1;
    memory[at + i] = c;
  }
  return text.length;
}

function checkTimestamps(records: RecordInput[]): number {
  let maxTimestampMs = records[0].timestampMs;
  for (const record of records) {
    if (!Number.isSafeInteger(record.timestampMs)) {
      throw new RangeError(`ledge: record timestamp ${record.timestampMs} is not an integer number of ms`);
    }
    if (record.timestampMs > maxTimestampMs) maxTimestampMs = record.timestampMs;
  }
  return maxTimestampMs;
}

function writeHeader(view: DataView, at: number, records: RecordInput[], options: BatchOptions, maxTimestampMs: number): void {
  writeHeaderFields(view, at, records.length, records[0].timestampMs, options, maxTimestampMs);
}

function writeHeaderFields(view: DataView, at: number, count: number, baseTimestampMs: number, options: BatchOptions, maxTimestampMs: number): void {
  const compression = options.compression ?? Compression.none;
  let attributes = compression & ATTRIBUTE_COMPRESSION_MASK;
  if (options.logAppendTime === true) attributes |= ATTRIBUTE_LOG_APPEND_TIME;
  if (options.transactional === true) attributes |= ATTRIBUTE_TRANSACTIONAL;
  if (options.control === true) attributes |= ATTRIBUTE_CONTROL;
  writeInt64(view, at + BASE_OFFSET_OFFSET, options.baseOffset ?? 0);
  view.setInt32(at + PARTITION_LEADER_EPOCH_OFFSET, options.partitionLeaderEpoch ?? -1);
  view.setInt8(at + MAGIC_OFFSET, MAGIC_V2);
  view.setInt16(at + ATTRIBUTES_OFFSET, attributes);
  view.setInt32(at + LAST_OFFSET_DELTA_OFFSET, count - 1);
  writeInt64(view, at + BASE_TIMESTAMP_OFFSET, baseTimestampMs);
  writeInt64(view, at + MAX_TIMESTAMP_OFFSET, maxTimestampMs);
  writeInt64(view, at + PRODUCER_ID_OFFSET, options.producerId ?? -1);
  view.setInt16(at + PRODUCER_EPOCH_OFFSET, options.producerEpoch ?? -1);
  view.setInt32(at + BASE_SEQUENCE_OFFSET, options.baseSequence ?? -1);
  view.setInt32(at + RECORD_COUNT_OFFSET, count);
}

/** Batch fields must fit their header slots: a silent wrap would forge producer state. */
function checkOptions(options: BatchOptions): void {
  const compression = options.compression ?? Compression.none;
  if (!Number.isInteger(compression) || compression < Compression.none || compression > Compression.zstd) {
    throw errorForStatus(Status.ERR_UNSUPPORTED_COMPRESSION, `codec id ${compression} (known: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)`);
  }
  checkInteger("encodeBatch option baseOffset", options.baseOffset, 0, Number.MAX_SAFE_INTEGER);
  checkInteger("encodeBatch option producerId", options.producerId, -1, Number.MAX_SAFE_INTEGER);
  checkInteger("encodeBatch option producerEpoch", options.producerEpoch, -1, INT16_MAX);
  checkInteger("encodeBatch option baseSequence", options.baseSequence, -1, INT32_MAX);
  checkInteger("encodeBatch option partitionLeaderEpoch", options.partitionLeaderEpoch, -1, INT32_MAX);
}

/** Encodes `records` as one RecordBatch v2; the result is a fresh buffer the caller owns. */
export function encodeBatch(records: RecordInput[], options: BatchOptions = {}): EncodedBatch {
  if (records.length === 0) throw new RangeError("ledge: encodeBatch needs at least one record");
  checkOptions(options);
  const maxTimestampMs = checkTimestamps(records);
  const { headerCount, dataBytesMax } = measure(records);
  const outputBytesMax =
    BATCH_HEADER_BYTES + dataBytesMax + records.length * RECORD_OVERHEAD_BYTES_MAX + headerCount * HEADER_OVERHEAD_BYTES_MAX;
  if (outputBytesMax > INT32_MAX) {
    throw errorForStatus(Status.ERR_BATCH_TOO_LARGE, `${records.length} records need up to ${outputBytesMax} bytes; a batch holds at most ${INT32_MAX}`);
  }
  const ws = workspace();
  // Reserve every region before taking views: a reservation may grow (and detach) memory.
  ws.recordDescriptors.ensure(records.length * RECORD_DESC_INTS * 4);
  ws.headerDescriptors.ensure(Math.max(headerCount, 1) * HEADER_DESC_INTS * 4);
  ws.data.ensure(Math.max(dataBytesMax, 1));
  const out = ws.output.ensure(outputBytesMax);
  const dataBytes = layOut(ws, records, records[0].timestampMs);
  writeHeader(new DataView(ws.core.bytes.buffer), out, records, options, maxTimestampMs);
  return encodeLaidOut(ws, out, outputBytesMax, records.length, headerCount, dataBytes, options);
}

/** The kernel call after the records are laid out in wasm memory and the header written. */
function encodeLaidOut(
  ws: Workspace, out: number, outputBytesMax: number, count: number, headerCount: number, dataBytes: number, options: BatchOptions,
  allocate?: (bytes: number) => Uint8Array,
): EncodedBatch {
  const exports = ws.core.exports;
  const args = [
    ws.recordDescriptors.ptr, count, ws.headerDescriptors.ptr, headerCount, ws.data.ptr, dataBytes,
  ] as const;
  const compression = options.compression ?? Compression.none;
  if (compression === Compression.none) {
    const total = checkStatus(exports.encodeBatchRecords(out, outputBytesMax, ...args));
    if (allocate === undefined) return ws.core.bytes.slice(out, out + total) as EncodedBatch;
    const batch = allocate(total);
    batch.set(ws.core.bytes.subarray(out, out + total));
    return batch as EncodedBatch;
  }
  const recordsStart = out + BATCH_HEADER_BYTES;
  const recordsBytes = checkStatus(exports.encodeRecords(recordsStart, outputBytesMax - BATCH_HEADER_BYTES, ...args));
  // Copy out before compressing: a wasm codec may grow memory and detach views into it.
  const header = ws.core.bytes.slice(out, recordsStart);
  const compressed = compress(compression, ws.core.bytes.slice(recordsStart, recordsStart + recordsBytes));
  return sealCompressed(header, compressed);
}

/** The most bytes one record can take in an uncompressed batch (what the encoder reserves for
 * it), so a caller filling a batch can stay under a size limit before encoding. */
export function recordBytesMax(keyBytes: number, valueBytes: number, headers: readonly RecordHeader[] | undefined): number {
  let n = RECORD_OVERHEAD_BYTES_MAX + Math.max(keyBytes, 0) + Math.max(valueBytes, 0);
  if (headers !== undefined) for (const h of headers) n += HEADER_OVERHEAD_BYTES_MAX + h.key.length * 3 + (h.value?.length ?? 0);
  return n;
}

/** encodeBatch for records given as columns (see RecordColumns): the same bytes, without an
 * object per record. An uncompressed batch is written into `allocate(its size)` when given (a
 * pool's buffer, say), else into a fresh buffer. */
export function encodeBatchColumns(columns: RecordColumns, options: BatchOptions = {}, allocate?: (bytes: number) => Uint8Array): EncodedBatch {
  const count = columns.count;
  if (count <= 0) throw new RangeError("ledge: encodeBatchColumns needs at least one record");
  checkOptions(options);
  const maxTimestampMs = checkColumnTimestamps(columns);
  const { headerCount, dataBytesMax, keyValueBytes } = measureColumns(columns);
  const outputBytesMax = BATCH_HEADER_BYTES + dataBytesMax + count * RECORD_OVERHEAD_BYTES_MAX + headerCount * HEADER_OVERHEAD_BYTES_MAX;
  if (outputBytesMax > INT32_MAX) {
    throw errorForStatus(Status.ERR_BATCH_TOO_LARGE, `${count} records need up to ${outputBytesMax} bytes; a batch holds at most ${INT32_MAX}`);
  }
  const ws = workspace();
  // Reserve every region before taking views: a reservation may grow (and detach) memory.
  ws.recordDescriptors.ensure(count * RECORD_DESC_INTS * 4);
  ws.headerDescriptors.ensure(Math.max(headerCount, 1) * HEADER_DESC_INTS * 4);
  // The data region also holds a copy of the key and value bytes, past everything layOutColumns
  // writes, to move from with copyWithin (no view per record).
  ws.data.ensure(Math.max(dataBytesMax + keyValueBytes, 1));
  const out = ws.output.ensure(outputBytesMax);
  const dataBytes = layOutColumns(ws, columns, dataBytesMax, keyValueBytes);
  writeHeaderFields(new DataView(ws.core.bytes.buffer), out, count, columns.timestampsMs[0], options, maxTimestampMs);
  return encodeLaidOut(ws, out, outputBytesMax, count, headerCount, dataBytes, options, allocate);
}

function checkColumnTimestamps(columns: RecordColumns): number {
  const timestamps = columns.timestampsMs;
  let maxTimestampMs = timestamps[0];
  for (let i = 0; i < columns.count; i++) {
    const t = timestamps[i];
    if (!Number.isSafeInteger(t)) throw new RangeError(`ledge: record timestamp ${t} is not an integer number of ms`);
    if (t > maxTimestampMs) maxTimestampMs = t;
  }
  return maxTimestampMs;
}

/** Also checks that the key and value lengths stay inside `data`. */
function measureColumns(columns: RecordColumns): Layout & { keyValueBytes: number } {
  let headerCount = 0;
  let keyValueBytes = 0;
  let headerBytesMax = 0;
  const { headerCounts, headerLengths } = columns;
  for (let i = 0; i < columns.count; i++) {
    keyValueBytes += Math.max(columns.keyBytes[i], 0) + Math.max(columns.valueBytes[i], 0);
    if (headerCounts !== undefined) {
      headerCount += headerCounts[i];
      continue;
    }
    const headers = columns.headers[i];
    if (headers === undefined) continue;
    headerCount += headers.length;
    for (const header of headers) headerBytesMax += header.key.length * 3 + (header.value?.length ?? 0);
  }
  // Header bytes given as bytes sit in `data` with the keys and values, and are copied with them.
  if (headerLengths !== undefined) for (let h = 0; h < headerCount * 2; h++) keyValueBytes += Math.max(headerLengths[h], 0);
  if (keyValueBytes > columns.data.length) {
    throw new RangeError(`ledge: encodeBatchColumns: the key${headerCounts ? ", value and header" : " and value"} lengths add up to ${keyValueBytes} bytes, data holds ${columns.data.length}`);
  }
  return { headerCount, dataBytesMax: keyValueBytes + headerBytesMax, keyValueBytes };
}

/** layOut for columns: one copy of each record's key and value bytes, headers as in layOut. */
function layOutColumns(ws: Workspace, columns: RecordColumns, dataBytesMax: number, keyValueBytes: number): number {
  const memory = ws.core.bytes;
  const { count, data, keyBytes, valueBytes, timestampsMs } = columns;
  let from = ws.data.ptr + dataBytesMax;
  memory.set(data.length === keyValueBytes ? data : data.subarray(0, keyValueBytes), from);
  const desc = new Int32Array(memory.buffer, ws.recordDescriptors.ptr, count * RECORD_DESC_INTS);
  const headerDesc = new Int32Array(memory.buffer, ws.headerDescriptors.ptr, ws.headerDescriptors.capacityBytes >> 2);
  const baseTimestampMs = timestampsMs[0];
  let at = ws.data.ptr;
  let d = 0;
  let h = 0;
  const { headerCounts, headerLengths } = columns;
  for (let i = 0; i < count; i++) {
    const headers = headerCounts === undefined ? columns.headers[i] : undefined;
    const delta = timestampsMs[i] - baseTimestampMs;
    const deltaHigh = Math.floor(delta / TWO_POW_32);
    let kv = Math.max(keyBytes[i], 0) + Math.max(valueBytes[i], 0);
    desc[d] = keyBytes[i] < 0 ? -1 : keyBytes[i];
    desc[d + 1] = valueBytes[i] < 0 ? -1 : valueBytes[i];
    desc[d + 2] = headerCounts !== undefined ? headerCounts[i] : headers === undefined ? 0 : headers.length;
    desc[d + 3] = (delta - deltaHigh * TWO_POW_32) | 0;
    desc[d + 4] = deltaHigh;
    d += RECORD_DESC_INTS;
    if (headerCounts !== undefined) {
      // Header bytes follow the value in `data`: laid out as the kernel reads them already.
      for (let end = h + headerCounts[i] * HEADER_DESC_INTS; h < end; h++) {
        headerDesc[h] = headerLengths![h];
        kv += Math.max(headerLengths![h], 0);
      }
    }
    memory.copyWithin(at, from, from + kv); // key then value (then headers): already adjacent
    from += kv;
    at += kv;
    if (headers === undefined) continue;
    at = writeRecordHeaders(memory, at, headers, headerDesc, h);
    h += headers.length * HEADER_DESC_INTS;
  }
  return at - ws.data.ptr;
}

function sealCompressed(header: Uint8Array, compressed: Uint8Array): EncodedBatch {
  const batch = new Uint8Array(BATCH_HEADER_BYTES + compressed.length);
  batch.set(header, 0);
  batch.set(compressed, BATCH_HEADER_BYTES);
  const view = viewOf(batch);
  view.setInt32(BATCH_LENGTH_OFFSET, batch.length - BATCH_LENGTH_PREFIX_BYTES);
  view.setUint32(CRC_OFFSET, crc32c(batch.subarray(ATTRIBUTES_OFFSET)));
  return batch as EncodedBatch;
}
