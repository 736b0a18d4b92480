// The 61-byte RecordBatch v2 header, read and rewritten in place from JS (no wasm call: a
// header is a few fixed-offset fields). This is ledge's one TypeScript table of the layout:
// everything outside runtime/core imports these names instead of restating a byte offset. The
// diagram and the wasm constants are in wasm-core/assembly/batch.ts; test/core/batch-layout.test.ts
// checks that both tables agree.
import { crc32c, crc32cPatch } from "./crc32c.ts";
import { errorForStatus, Status } from "./errors.ts";
import type { BatchHeader, CompressionCodec } from "./types.ts";

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
export const BATCH_HEADER_BYTES = 61;
/** baseOffset and batchLength come before what batchLength counts. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;
export const MAGIC_V2 = 2;

export const ATTRIBUTE_COMPRESSION_MASK = 0x07;
export const ATTRIBUTE_LOG_APPEND_TIME = 0x08;
export const ATTRIBUTE_TRANSACTIONAL = 0x10;
export const ATTRIBUTE_CONTROL = 0x20;

const TWO_POW_32 = 0x1_0000_0000;

export function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A big-endian int64 as a JS number (exact below 2^53, which offsets and ms timestamps are). */
export function readInt64(view: DataView, at: number): number {
  return view.getInt32(at) * TWO_POW_32 + view.getUint32(at + 4);
}

export function writeInt64(view: DataView, at: number, value: number): void {
  const high = Math.floor(value / TWO_POW_32);
  view.setInt32(at, high);
  view.setUint32(at + 4, value - high * TWO_POW_32);
}

function requireHeader(bytes: Uint8Array): void {
  if (bytes.length < BATCH_HEADER_BYTES) {
    throw errorForStatus(Status.ERR_BATCH_TRUNCATED, `${bytes.length} bytes given, a header needs ${BATCH_HEADER_BYTES}`);
  }
}

// Single fields of a batch whose header is known to be there (stored by the log, or validated
// already): no length check, no object. Hot readers (the log, fetch paths) use these.

export function readBaseOffset(bytes: Uint8Array): number {
  return readInt64(viewOf(bytes), BASE_OFFSET_OFFSET);
}

export function readLastOffsetDelta(bytes: Uint8Array): number {
  return viewOf(bytes).getInt32(LAST_OFFSET_DELTA_OFFSET);
}

/** The offset just past the batch: baseOffset + lastOffsetDelta + 1. */
export function readNextOffset(bytes: Uint8Array): number {
  const view = viewOf(bytes);
  return readInt64(view, BASE_OFFSET_OFFSET) + view.getInt32(LAST_OFFSET_DELTA_OFFSET) + 1;
}

export function readBaseTimestampMs(bytes: Uint8Array): number {
  return readInt64(viewOf(bytes), BASE_TIMESTAMP_OFFSET);
}

export function readMaxTimestampMs(bytes: Uint8Array): number {
  return readInt64(viewOf(bytes), MAX_TIMESTAMP_OFFSET);
}

export function readRecordCount(bytes: Uint8Array): number {
  return viewOf(bytes).getInt32(RECORD_COUNT_OFFSET);
}

export function readAttributes(bytes: Uint8Array): number {
  return viewOf(bytes).getInt16(ATTRIBUTES_OFFSET);
}

export function readProducerId(bytes: Uint8Array): number {
  return readInt64(viewOf(bytes), PRODUCER_ID_OFFSET);
}

export function readProducerEpoch(bytes: Uint8Array): number {
  return viewOf(bytes).getInt16(PRODUCER_EPOCH_OFFSET);
}

export function readCompression(bytes: Uint8Array): CompressionCodec {
  return (viewOf(bytes).getInt16(ATTRIBUTES_OFFSET) & ATTRIBUTE_COMPRESSION_MASK) as CompressionCodec;
}

/** Reads the header's fields; checks only that 61 bytes are there. */
export function readBatchHeader(bytes: Uint8Array): BatchHeader {
  requireHeader(bytes);
  const view = viewOf(bytes);
  const attributes = view.getInt16(ATTRIBUTES_OFFSET);
  return {
    baseOffset: readInt64(view, BASE_OFFSET_OFFSET),
    batchLength: view.getInt32(BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: view.getInt32(PARTITION_LEADER_EPOCH_OFFSET),
    magic: view.getInt8(MAGIC_OFFSET),
    crc: view.getUint32(CRC_OFFSET),
    attributes,
    compression: (attributes & ATTRIBUTE_COMPRESSION_MASK) as CompressionCodec,
    logAppendTime: (attributes & ATTRIBUTE_LOG_APPEND_TIME) !== 0,
    transactional: (attributes & ATTRIBUTE_TRANSACTIONAL) !== 0,
    control: (attributes & ATTRIBUTE_CONTROL) !== 0,
    lastOffsetDelta: view.getInt32(LAST_OFFSET_DELTA_OFFSET),
    baseTimestampMs: readInt64(view, BASE_TIMESTAMP_OFFSET),
    maxTimestampMs: readInt64(view, MAX_TIMESTAMP_OFFSET),
    producerId: readInt64(view, PRODUCER_ID_OFFSET),
    producerEpoch: view.getInt16(PRODUCER_EPOCH_OFFSET),
    baseSequence: view.getInt32(BASE_SEQUENCE_OFFSET),
    recordCount: view.getInt32(RECORD_COUNT_OFFSET),
  };
}

/** Rewrites baseOffset in place; it lies outside the CRC, so the CRC stays valid. */
export function setBaseOffset(bytes: Uint8Array, offset: number): void {
  requireHeader(bytes);
  if (!Number.isSafeInteger(offset)) throw new RangeError(`ledge: baseOffset ${offset} is not a safe integer`);
  writeInt64(viewOf(bytes), BASE_OFFSET_OFFSET, offset);
}

/** Rewrites partitionLeaderEpoch in place (outside the CRC). */
export function setPartitionLeaderEpoch(bytes: Uint8Array, epoch: number): void {
  requireHeader(bytes);
  viewOf(bytes).setInt32(PARTITION_LEADER_EPOCH_OFFSET, epoch);
}

export interface ProducerStamp {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  /** Sets (true) or clears (false) the transactional attribute; absent leaves it. The bridge
   * clears it: a transactional batch without a transactional.id is refused upstream (error 53). */
  transactional?: boolean;
}

/** The batch's whole length from its header, checked against the bytes given. */
export function batchBytes(bytes: Uint8Array): number {
  requireHeader(bytes);
  const batchLength = viewOf(bytes).getInt32(BATCH_LENGTH_OFFSET);
  if (batchLength < BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES) {
    throw errorForStatus(Status.ERR_BATCH_LENGTH, `batchLength is ${batchLength}`);
  }
  const total = batchLength + BATCH_LENGTH_PREFIX_BYTES;
  if (total > bytes.length) {
    throw errorForStatus(Status.ERR_BATCH_TRUNCATED, `batchLength says ${total} bytes, ${bytes.length} given`);
  }
  return total;
}

/** Throws a RangeError naming `name` unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`ledge: ${name} is ${value}; expected an integer from ${min} to ${max}`);
  }
}

export const INT16_MAX = 0x7fff;
export const INT32_MAX = 0x7fff_ffff;

/**
 * Stamps a producer id, epoch and base sequence (and optionally the transactional bit) into a
 * batch in place, for the bridge's idempotent producer. The CRC is patched from the changed
 * header span alone (crc32cPatch): no pass over the records, compressed records stay compressed,
 * and a batch whose CRC was already wrong stays wrong instead of being laundered into a valid one.
 */
export function restampProducer(bytes: Uint8Array, stamp: ProducerStamp): void {
  checkInteger("producerId", stamp.producerId, -1, Number.MAX_SAFE_INTEGER);
  checkInteger("producerEpoch", stamp.producerEpoch, -1, INT16_MAX);
  checkInteger("baseSequence", stamp.baseSequence, -1, INT32_MAX);
  const total = batchBytes(bytes);
  const view = viewOf(bytes);
  // The span from attributes to baseSequence holds every field this may change. A copy (a
  // Buffer's slice() would be a view, and the XOR below would zero the header instead).
  const change = new Uint8Array(bytes.subarray(ATTRIBUTES_OFFSET, RECORD_COUNT_OFFSET));
  if (stamp.transactional !== undefined) {
    const attributes = view.getInt16(ATTRIBUTES_OFFSET);
    const cleared = attributes & ~ATTRIBUTE_TRANSACTIONAL;
    view.setInt16(ATTRIBUTES_OFFSET, stamp.transactional ? cleared | ATTRIBUTE_TRANSACTIONAL : cleared);
  }
  writeInt64(view, PRODUCER_ID_OFFSET, stamp.producerId);
  view.setInt16(PRODUCER_EPOCH_OFFSET, stamp.producerEpoch);
  view.setInt32(BASE_SEQUENCE_OFFSET, stamp.baseSequence);
  for (let i = 0; i < change.length; i++) change[i] ^= bytes[ATTRIBUTES_OFFSET + i];
  view.setUint32(CRC_OFFSET, crc32cPatch(view.getUint32(CRC_OFFSET), change, total - RECORD_COUNT_OFFSET));
}

/**
 * Checks a whole batch's length fields and CRC only (one hardware CRC pass for large batches):
 * for re-reading batches already validated once, e.g. the log's read-back check. Throws
 * CorruptBatchError; returns the header.
 */
export function checkBatchCrc(bytes: Uint8Array): BatchHeader {
  const total = batchBytes(bytes);
  const header = readBatchHeader(bytes);
  const crc = crc32c(bytes.subarray(ATTRIBUTES_OFFSET, total));
  if (crc !== header.crc) {
    throw errorForStatus(Status.ERR_BATCH_CRC, `stored 0x${header.crc.toString(16)}, computed 0x${crc.toString(16)}`);
  }
  return header;
}
