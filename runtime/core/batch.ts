// The RecordBatch v2 family: header access, encode, validate, decode.
export {
  readBatchHeader, checkBatchCrc, setBaseOffset, setPartitionLeaderEpoch, restampProducer, BATCH_HEADER_BYTES,
  type ProducerStamp,
} from "./batch-header.ts";
export { encodeBatch, encodeBatchColumns, recordBytesMax } from "./batch-encode.ts";
export {
  validateBatch, decodeBatch, decodeBatchColumns, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES,
  type BatchLimits, type BatchColumns,
} from "./batch-decode.ts";
