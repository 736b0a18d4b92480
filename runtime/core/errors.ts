// The one table from wasm-core statuses (wasm-core/assembly/status.ts) to typed errors.
// Each error carries ledge's `code` and the Kafka error code a listener answers with, so no
// second table is needed downstream. test/core/errors.test.ts checks this table against status.ts.
// ledge's codes for these errors are one table (STYLE habit 8); docs/errors.md explains each
// to operators and test/errors.test.ts keeps the two in step.
import { ErrorCode } from "../kafka/errors.ts";

/** Each code the core's errors carry, with the Kafka error code a listener answers with. */
export const coreErrors = {
  LEDGE_ERR_CORRUPT_BATCH: { kafkaErrorCode: ErrorCode.CORRUPT_MESSAGE },
  LEDGE_ERR_INVALID_RECORD: { kafkaErrorCode: ErrorCode.INVALID_RECORD },
  LEDGE_ERR_BATCH_TOO_LARGE: { kafkaErrorCode: ErrorCode.MESSAGE_TOO_LARGE },
  LEDGE_ERR_UNSUPPORTED_COMPRESSION: { kafkaErrorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE },
  LEDGE_ERR_MALFORMED_COMPRESSED_DATA: { kafkaErrorCode: ErrorCode.CORRUPT_MESSAGE },
  LEDGE_ERR_CORRUPT_STATE: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR },
  LEDGE_ERR_CORE_INTERNAL: { kafkaErrorCode: ErrorCode.UNKNOWN_SERVER_ERROR },
} as const satisfies Record<string, { kafkaErrorCode: number }>;

export type CoreErrorCode = keyof typeof coreErrors;

export class LedgeWasmError extends Error {
  readonly code: CoreErrorCode = "LEDGE_ERR_CORE_INTERNAL";
  readonly kafkaErrorCode: number = coreErrors[this.code].kafkaErrorCode;
  /** The wasm-core status (negative) this error stands for. */
  readonly status: number;
  /** The status's name in status.ts, e.g. "ERR_BATCH_CRC". */
  readonly statusName: string;

  constructor(status: number, statusName: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.statusName = statusName;
  }
}

/** The stored CRC does not match, or the batch's length fields disagree with its bytes. */
export class CorruptBatchError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_CORRUPT_BATCH";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

/** The batch header or a record breaks a RecordBatch v2 rule Kafka's broker enforces. */
export class InvalidRecordError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_INVALID_RECORD";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

export class BatchTooLargeError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_BATCH_TOO_LARGE";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

export class UnsupportedCompressionError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_UNSUPPORTED_COMPRESSION";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

export class MalformedCompressedDataError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_MALFORMED_COMPRESSED_DATA";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

/** Saved state handed back to the core (a quantile sketch from a checkpoint) is malformed. */
export class CorruptStateError extends LedgeWasmError {
  override readonly code = "LEDGE_ERR_CORRUPT_STATE";
  override readonly kafkaErrorCode = coreErrors[this.code].kafkaErrorCode;
}

/** runtime/core handed the core a bad region: a ledge bug, not bad input. */
export class CoreInternalError extends LedgeWasmError {}

type ErrorClass = new (status: number, statusName: string, message: string) => LedgeWasmError;

interface StatusEntry {
  status: number;
  name: string;
  errorClass: ErrorClass;
  /** What happened, for operators; the caller adds to what and what to do. */
  reason: string;
}

/** Every negative status in wasm-core/assembly/status.ts, in order. */
export const statusTable = [
  { status: -1, name: "ERR_REGION_OUT_OF_BOUNDS", errorClass: CoreInternalError, reason: "a region passed to the wasm core lies outside its memory (a ledge bug; please report it)" },
  { status: -2, name: "ERR_BATCH_TRUNCATED", errorClass: CorruptBatchError, reason: "the record batch is truncated: fewer bytes than its header or batchLength says" },
  { status: -3, name: "ERR_BATCH_LENGTH", errorClass: CorruptBatchError, reason: "the record batch's batchLength field is invalid (below the header's 49 bytes)" },
  { status: -4, name: "ERR_BATCH_MAGIC", errorClass: InvalidRecordError, reason: "the record batch's magic byte is not 2 (only RecordBatch v2 is accepted; upgrade the client)" },
  { status: -5, name: "ERR_BATCH_CRC", errorClass: CorruptBatchError, reason: "the record batch's CRC-32C does not match its bytes (corrupted in transit or on disk)" },
  { status: -6, name: "ERR_BATCH_RECORD_COUNT", errorClass: InvalidRecordError, reason: "the record batch's lastOffsetDelta + 1 does not equal its record count, or the count is not positive" },
  { status: -7, name: "ERR_BATCH_CONTROL", errorClass: InvalidRecordError, reason: "a control batch was sent by a client (only brokers write control batches)" },
  { status: -8, name: "ERR_BATCH_SEQUENCE", errorClass: InvalidRecordError, reason: "the record batch has a producerId but a negative baseSequence" },
  { status: -9, name: "ERR_RECORD_VARINT", errorClass: InvalidRecordError, reason: "a record's varint is too long or runs past the end of the records" },
  { status: -10, name: "ERR_RECORD_LENGTH", errorClass: InvalidRecordError, reason: "a record's length is invalid or disagrees with its fields" },
  { status: -11, name: "ERR_RECORD_FIELD_LENGTH", errorClass: InvalidRecordError, reason: "a record's key, value or header length is invalid (below -1, a null header key, or past the record's end)" },
  { status: -12, name: "ERR_RECORD_OFFSET_DELTA", errorClass: InvalidRecordError, reason: "a record's offsetDelta is out of order (expected 0, 1, 2, ...)" },
  { status: -13, name: "ERR_RECORD_COUNT_MISMATCH", errorClass: InvalidRecordError, reason: "the records section holds a different number of records than the batch's record count" },
  { status: -14, name: "ERR_BATCH_TOO_LARGE", errorClass: BatchTooLargeError, reason: "the record batch is larger than the configured limit" },
  { status: -15, name: "ERR_UNSUPPORTED_COMPRESSION", errorClass: UnsupportedCompressionError, reason: "the record batch names an unknown compression codec (attributes bits 0-2 hold 5, 6 or 7)" },
  { status: -16, name: "ERR_DECOMPRESSED_TOO_LARGE", errorClass: BatchTooLargeError, reason: "the record batch's records decompress to more than the configured cap" },
  { status: -17, name: "ERR_OUTPUT_TOO_SMALL", errorClass: CoreInternalError, reason: "the wasm core's encoder got an output region too small for the batch, or record descriptors that disagree with the data (a ledge bug; please report it)" },
  { status: -18, name: "ERR_MALFORMED_COMPRESSED_DATA", errorClass: MalformedCompressedDataError, reason: "the record batch's compressed records are malformed" },
  // Codec statuses (issue #2 part B: wasm-core/assembly/lz4.ts, snappy.ts).
  { status: -19, name: "ERR_LZ4_FRAME_MAGIC", errorClass: MalformedCompressedDataError, reason: "the lz4 records do not start with the LZ4 frame magic 0x184D2204 (Kafka's lz4 is the frame format, not bare blocks)" },
  { status: -20, name: "ERR_LZ4_FRAME_DESCRIPTOR", errorClass: MalformedCompressedDataError, reason: "the lz4 frame descriptor is invalid (version not 01, reserved bits set, a dictionary id, or an unknown block size)" },
  { status: -21, name: "ERR_LZ4_HEADER_CHECKSUM", errorClass: MalformedCompressedDataError, reason: "the lz4 frame header checksum does not match (a client writing the pre-0.10 broken checksum, or corruption)" },
  { status: -22, name: "ERR_LZ4_DEPENDENT_BLOCKS", errorClass: MalformedCompressedDataError, reason: "the lz4 frame uses dependent blocks, which Kafka does not accept (configure the client for independent blocks)" },
  { status: -23, name: "ERR_LZ4_BLOCK_CHECKSUM", errorClass: MalformedCompressedDataError, reason: "an lz4 block's xxHash32 checksum does not match its bytes" },
  { status: -24, name: "ERR_LZ4_TRUNCATED", errorClass: MalformedCompressedDataError, reason: "the lz4 frame is truncated: it ends before its end mark or a block runs past the end" },
  { status: -25, name: "ERR_LZ4_BLOCK_DATA", errorClass: MalformedCompressedDataError, reason: "an lz4 block is malformed (larger than the frame's block size, a sequence overruns the block or points before it, or it breaks LZ4's end-of-block rules that Kafka's readers enforce)" },
  { status: -26, name: "ERR_LZ4_CONTENT_SIZE", errorClass: MalformedCompressedDataError, reason: "the lz4 frame's content size disagrees with what its blocks decode to" },
  { status: -27, name: "ERR_SNAPPY_LENGTH", errorClass: MalformedCompressedDataError, reason: "a snappy block's uncompressed-length header is missing or longer than 32 bits" },
  { status: -28, name: "ERR_SNAPPY_DATA", errorClass: MalformedCompressedDataError, reason: "a snappy block is malformed (an element runs past the input, or a copy offset is 0 or before the start)" },
  { status: -29, name: "ERR_SNAPPY_LENGTH_MISMATCH", errorClass: MalformedCompressedDataError, reason: "a snappy block decodes to a different length than its header states" },
  { status: -30, name: "ERR_SNAPPY_XERIAL_CHUNK", errorClass: MalformedCompressedDataError, reason: "the xerial-framed snappy stream is truncated: a chunk header or chunk runs past the end" },
  { status: -31, name: "ERR_RECORD_KEY_MISSING", errorClass: InvalidRecordError, reason: "a record has no key, and this topic is compacted (cleanup.policy=compact needs a key on every record)" },
  { status: -32, name: "ERR_BATCH_TRAILING_BYTES", errorClass: InvalidRecordError, reason: "bytes follow the record batch (Produce v3+ carries exactly one batch per partition)" },
  { status: -33, name: "ERR_LZ4_TRAILING_BYTES", errorClass: MalformedCompressedDataError, reason: "bytes follow the lz4 frame (Kafka's readers decode exactly one frame per batch, so the rest would be lost)" },
  { status: -34, name: "ERR_JSON_ARGUMENTS", errorClass: CoreInternalError, reason: "the wasm core's JSON extractor got a malformed path table or too little room for decoded strings (a ledge bug; please report it)" },
  { status: -35, name: "ERR_SKETCH_ARGUMENTS", errorClass: CoreInternalError, reason: "a quantile sketch in wasm memory is not initialised, its bucket cap is out of range, or its count would pass 2^53 (a ledge bug; please report it)" },
  { status: -36, name: "ERR_SKETCH_CORRUPT", errorClass: CorruptStateError, reason: "the saved quantile sketch is malformed (a damaged checkpoint)" },
  { status: -37, name: "ERR_WINDOW_ARGUMENTS", errorClass: CoreInternalError, reason: "the wasm core's window accumulator got a slot or record outside its state, or a misshaped column set (a ledge bug; please report it)" },
] as const satisfies readonly StatusEntry[];

export type StatusName = (typeof statusTable)[number]["name"];

/** Status values by name, for host code that reports the same failures (header checks). */
export const Status = Object.fromEntries(statusTable.map((e) => [e.name, e.status])) as Record<StatusName, number>;

const byStatus = new Map<number, StatusEntry>(statusTable.map((entry) => [entry.status, entry]));

/** The typed error for a negative status; `detail` adds the specifics (which field, sizes). */
export function errorForStatus(status: number, detail?: string): LedgeWasmError {
  const entry = byStatus.get(status);
  if (entry === undefined) {
    return new CoreInternalError(status, "UNKNOWN", `the wasm core returned unknown status ${status} (a ledge bug; please report it)`);
  }
  const message = detail === undefined ? entry.reason : `${entry.reason}: ${detail}`;
  return new entry.errorClass(status, entry.name, message);
}

/** Returns `rc` when it is a success (>= 0); throws the typed error otherwise. */
export function checkStatus(rc: number, detail?: string): number {
  if (rc < 0) throw errorForStatus(rc, detail);
  return rc;
}
