// Reads and patches the fields of a stored RecordBatch v2 header that the log needs.
// Only baseOffset and partitionLeaderEpoch are written: both lie outside the CRC (which covers
// bytes 21..end), so patching them never re-encodes a batch.
//
// Layout (runtime/core/batch-header.ts draws it too):
//   0 baseOffset i64 | 8 batchLength i32 | 12 partitionLeaderEpoch i32 | 16 magic i8 | 17 crc u32
//   21 attributes i16 | 23 lastOffsetDelta i32 | 27 baseTimestamp i64 | 35 maxTimestamp i64
//   43 producerId i64 | 51 producerEpoch i16 | 53 baseSequence i32 | 57 recordCount i32 | 61 records
import { validateBatch, LedgeWasmError, type BatchHeader } from "../core/index.ts";
import { LogError } from "./errors.ts";

export const BATCH_HEADER_BYTES = 61;
const TWO_32 = 2 ** 32;

/** The header fields the log acts on. */
export interface StoredBatchInfo {
  lastOffsetDelta: number;
  recordCount: number;
  maxTimestampMs: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  control: boolean;
  transactional: boolean;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readI64(v: DataView, at: number): number {
  return v.getInt32(at) * TWO_32 + v.getUint32(at + 4);
}

/**
 * Checks one whole v2 batch in the wasm core (sizes, magic, CRC-32C, Kafka's produce rules,
 * every record) and returns its header fields. Errors carry `code` and `kafkaErrorCode`.
 */
export function checkBatch(bytes: Uint8Array, where: string, maxBatchBytes: number): StoredBatchInfo {
  if (bytes.byteLength < BATCH_HEADER_BYTES) {
    throw new LogError("LEDGE_ERR_CORRUPT_BATCH", `record batch for ${where} is ${bytes.byteLength} bytes, shorter than the 61-byte header`);
  }
  const magic = bytes[16];
  if (magic !== 2) throw new LogError("LEDGE_ERR_UNSUPPORTED_BATCH", `record batch for ${where} has magic ${magic}, not 2`);
  let h: BatchHeader;
  try {
    h = validateBatch(bytes, { maxBatchBytes });
  } catch (err) {
    if (err instanceof LedgeWasmError) err.message = `record batch for ${where} refused: ${err.message}`;
    throw err;
  }
  return {
    lastOffsetDelta: h.lastOffsetDelta, recordCount: h.recordCount, maxTimestampMs: h.maxTimestampMs,
    producerId: h.producerId, producerEpoch: h.producerEpoch, baseSequence: h.baseSequence,
    control: h.control, transactional: h.transactional,
  };
}

/** Header fields of a batch already known to be valid (read back from the log). */
export function readInfo(bytes: Uint8Array): StoredBatchInfo {
  const v = view(bytes);
  const attributes = v.getInt16(21);
  const info: StoredBatchInfo = {
    lastOffsetDelta: v.getInt32(23),
    recordCount: v.getInt32(57),
    maxTimestampMs: readI64(v, 35),
    producerId: readI64(v, 43),
    producerEpoch: v.getInt16(51),
    baseSequence: v.getInt32(53),
    transactional: (attributes & 0x10) !== 0,
    control: (attributes & 0x20) !== 0,
  };
  if (info.recordCount < 1 || info.lastOffsetDelta < 0 || info.lastOffsetDelta < info.recordCount - 1) {
    throw new LogError("LEDGE_ERR_CORRUPT_BATCH", `record batch declares ${info.recordCount} records and last offset delta ${info.lastOffsetDelta}`);
  }
  return info;
}

export function readBaseOffset(bytes: Uint8Array): number {
  return readI64(view(bytes), 0);
}

export function readLastOffsetDelta(bytes: Uint8Array): number {
  return view(bytes).getInt32(23);
}

export function readMaxTimestampMs(bytes: Uint8Array): number {
  return readI64(view(bytes), 35);
}

/** Assigns the batch's offsets in place; the CRC does not cover these fields. */
export function patchStoredHeader(bytes: Uint8Array, baseOffset: number): void {
  const v = view(bytes);
  v.setUint32(0, Math.floor(baseOffset / TWO_32));
  v.setUint32(4, baseOffset >>> 0);
  v.setInt32(12, 0);
}
