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
  BATCH_LENGTH_PREFIX_BYTES, MAGIC_V2, type BatchHeader, type EncodedBatch,
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

/** A stored batch read back: its header when its length fields and CRC hold (the counts can be
 * taken), and what is wrong with it, if anything. */
export type ReadBack = { header: BatchHeader; problem: string | undefined } | { header: undefined; problem: string };

/**
 * The read-back check of one stored batch on its own, stored under offset `keyOffset`: length
 * fields and CRC-32C (runtime/core's checkBatchCrc, the paired check of the CRC computed on the
 * way in; hardware CRC for large batches), magic 2, exactly batchLength bytes, the base offset
 * equal to its key's, and a record count that fits its offset delta. `ledge verify` (verify.ts)
 * adds the checks that need the batches around it and the meta table.
 */
export function readBack(keyOffset: number, bytes: Uint8Array): ReadBack {
  let header: BatchHeader;
  try {
    header = checkBatchCrc(bytes);
  } catch (err) {
    if (err instanceof LedgeWasmError) return { header: undefined, problem: err.message };
    throw err;
  }
  return { header, problem: headerProblem(header, keyOffset, bytes.byteLength) };
}

function headerProblem(header: BatchHeader, keyOffset: number, storedBytes: number): string | undefined {
  if (header.magic !== MAGIC_V2) return `magic ${header.magic}, not ${MAGIC_V2}`;
  if (header.batchLength + BATCH_LENGTH_PREFIX_BYTES !== storedBytes) {
    return `${storedBytes} bytes stored, but its batchLength says ${header.batchLength + BATCH_LENGTH_PREFIX_BYTES}`;
  }
  if (header.baseOffset !== keyOffset) return `its header says base offset ${header.baseOffset}, but it is stored under offset ${keyOffset}`;
  if (header.recordCount < 1 || header.lastOffsetDelta < header.recordCount - 1) {
    return `it declares ${header.recordCount} records and last offset delta ${header.lastOffsetDelta}`;
  }
  return undefined;
}

/**
 * readBack() for one batch as the `batches` table holds it (`key`, `bytes`), throwing LogError
 * LEDGE_ERR_STORED_BATCH_CORRUPT naming `where` (topic/partition). For whoever ships or audits
 * stored bytes (the bridge before sending upstream); the read path itself does not pay for it.
 */
export function checkStoredBatch(key: Uint8Array, bytes: Uint8Array, where: string): BatchHeader {
  const keyOffset = batchKeyOffset(key);
  const { header, problem } = readBack(keyOffset, bytes);
  if (problem !== undefined || header === undefined) {
    throw new LogError("LEDGE_ERR_STORED_BATCH_CORRUPT", `the batch stored at offset ${keyOffset} of ${where} fails its read-back check: ${problem}`);
  }
  return header;
}
