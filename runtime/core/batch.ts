// The RecordBatch v2 family: header access, encode, validate, decode.
export {
  readBatchHeader, checkBatchCrc, setBaseOffset, setPartitionLeaderEpoch, restampProducer,
  readBaseOffset, readLastOffsetDelta, readNextOffset, readBaseTimestampMs, readMaxTimestampMs, readRecordCount, readCompression, readAttributes, readProducerId, readProducerEpoch,
  BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, MAGIC_OFFSET, CRC_OFFSET, ATTRIBUTES_OFFSET,
  LAST_OFFSET_DELTA_OFFSET, BASE_TIMESTAMP_OFFSET, MAX_TIMESTAMP_OFFSET, PRODUCER_ID_OFFSET, PRODUCER_EPOCH_OFFSET,
  BASE_SEQUENCE_OFFSET, RECORD_COUNT_OFFSET, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, MAGIC_V2,
  ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTE_LOG_APPEND_TIME, ATTRIBUTE_TRANSACTIONAL, ATTRIBUTE_CONTROL,
  type ProducerStamp,
} from "./batch-header.ts";
export { encodeBatch, encodeBatchColumns, recordBytesMax } from "./batch-encode.ts";
export {
  validateBatch, decodeBatch, decodeBatchColumns, loadCheckedRecords, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES,
  type BatchLimits, type BatchColumns,
} from "./batch-decode.ts";
