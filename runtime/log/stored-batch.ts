// What the log checks in an appended batch and patches in it. Only baseOffset and
// partitionLeaderEpoch are written: both lie outside the CRC, so patching them never re-encodes
// a batch. The layout itself is runtime/core's (batch-header.ts there).
import {
  validateBatch, setBaseOffset, setPartitionLeaderEpoch, LedgeWasmError, BATCH_HEADER_BYTES, MAGIC_OFFSET, MAGIC_V2, type BatchHeader,
} from "../core/index.ts";
import { LogError } from "./errors.ts";

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

/**
 * Checks one whole v2 batch in the wasm core (sizes, magic, CRC-32C, Kafka's produce rules,
 * every record) and returns its header fields. Errors carry `code` and `kafkaErrorCode`.
 */
export function checkBatch(bytes: Uint8Array, where: string, maxBatchBytes: number): StoredBatchInfo {
  if (bytes.byteLength < BATCH_HEADER_BYTES) {
    throw new LogError("LEDGE_ERR_CORRUPT_BATCH", `record batch for ${where} is ${bytes.byteLength} bytes, shorter than the ${BATCH_HEADER_BYTES}-byte header`);
  }
  const magic = bytes[MAGIC_OFFSET];
  if (magic !== MAGIC_V2) throw new LogError("LEDGE_ERR_UNSUPPORTED_BATCH", `record batch for ${where} has magic ${magic}, not 2`);
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

/** Assigns the batch's offsets in place; the CRC does not cover these fields. */
export function patchStoredHeader(bytes: Uint8Array, baseOffset: number): void {
  setBaseOffset(bytes, baseOffset);
  setPartitionLeaderEpoch(bytes, 0);
}
