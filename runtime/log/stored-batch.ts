// What the log checks in a batch it is given, patches when it stores it, and checks again when
// it is read back. The layout itself is runtime/core's (batch-header.ts there).
//
// Two ways in: a foreign batch (a Kafka producer's bytes) is validated once, by runtime/core's
// validateBatch (sizes, magic, CRC, Kafka's produce rules, every record); a batch runtime/core
// encoded (EncodedBatch: MQTT ingest, the log's own batches) is right by construction and only
// its header is read. Only baseOffset and partitionLeaderEpoch are ever written: both lie
// outside the CRC, so storing a batch never re-encodes it. The CRC is verified again where it
// counts: on read-back (checkStoredBatch), for the bridge and for verifying a data directory.
import {
  checkBatchCrc, readBatchHeader, setBaseOffset, setPartitionLeaderEpoch, validateBatch, LedgeWasmError,
  type BatchHeader, type EncodedBatch,
} from "../core/index.ts";
import { batchKeyOffset } from "./keys.ts";
import { LogError } from "./errors.ts";

function refusedFor(where: string, err: unknown): unknown {
  if (err instanceof LedgeWasmError) err.message = `record batch for ${where} refused: ${err.message}`;
  return err;
}

/**
 * The one validation of a foreign batch: all of runtime/core's validateBatch, with keys required
 * on compacted topics (Kafka's INVALID_RECORD otherwise). Returns its header; errors carry
 * `code` and `kafkaErrorCode`.
 */
export function validateForeignBatch(bytes: Uint8Array, where: string, requireKeys: boolean): BatchHeader {
  try {
    return validateBatch(bytes, { requireKeys });
  } catch (err) {
    throw refusedFor(where, err);
  }
}

/**
 * The header of a batch runtime/core encoded: no walk, no CRC. On a compacted topic its records
 * are walked once for keys (the encoder accepts null keys; a compacted topic does not).
 */
export function encodedBatchHeader(bytes: EncodedBatch, where: string, requireKeys: boolean): BatchHeader {
  return requireKeys ? validateForeignBatch(bytes, where, true) : readBatchHeader(bytes);
}

/** Assigns the batch's offsets in place; the CRC does not cover these fields. */
export function assignOffsets(bytes: Uint8Array, baseOffset: number): void {
  setBaseOffset(bytes, baseOffset);
  setPartitionLeaderEpoch(bytes, 0);
}

/**
 * The read-back check of one stored batch, given its `batches` table key: length fields and
 * CRC-32C (runtime/core's checkBatchCrc; hardware CRC for large batches), and the base offset in
 * the batch equal to the one in its key. Throws LogError LEDGE_ERR_STORED_BATCH_CORRUPT naming
 * `where` (the core's error is its cause). For whoever ships or audits stored bytes (the bridge,
 * verifying a data directory); the read path itself does not pay for it.
 */
export function checkStoredBatch(key: Uint8Array, bytes: Uint8Array, where: string): BatchHeader {
  const keyOffset = batchKeyOffset(key);
  let header: BatchHeader;
  try {
    header = checkBatchCrc(bytes);
  } catch (err) {
    throw new LogError("LEDGE_ERR_STORED_BATCH_CORRUPT", `the batch stored at offset ${keyOffset} of ${where} fails its check: ${(err as Error).message}`, { cause: err });
  }
  if (header.baseOffset !== keyOffset) {
    throw new LogError("LEDGE_ERR_STORED_BATCH_CORRUPT", `the batch stored at offset ${keyOffset} of ${where} says its base offset is ${header.baseOffset}`);
  }
  return header;
}
