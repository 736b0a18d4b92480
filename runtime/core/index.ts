// runtime/core's public surface: the only way into the WebAssembly core. See README.md.
export { crc32c } from "./crc32c.ts";
export {
  readBatchHeader, checkBatchCrc, setBaseOffset, setPartitionLeaderEpoch, restampProducer, encodeBatch, encodeBatchColumns, recordBytesMax, validateBatch,
  decodeBatch, decodeBatchColumns, BATCH_HEADER_BYTES, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES,
  type ProducerStamp, type BatchLimits, type BatchColumns,
} from "./batch.ts";
export {
  LedgeWasmError, CorruptBatchError, InvalidRecordError, BatchTooLargeError, UnsupportedCompressionError,
  MalformedCompressedDataError, CoreInternalError,
} from "./errors.ts";
export * from "./types.ts";
export { compress, decompress } from "./compression.ts";
