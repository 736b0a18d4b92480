// runtime/core's public surface: the only way into the WebAssembly core. See README.md.
export { crc32c } from "./crc32c.ts";
export {
  readBatchHeader, checkBatchCrc, setBaseOffset, setPartitionLeaderEpoch, restampProducer, encodeBatch, encodeBatchColumns, recordBytesMax, validateBatch,
  decodeBatch, decodeBatchColumns, loadCheckedRecords, DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES,
  readBaseOffset, readLastOffsetDelta, readNextOffset, readBaseTimestampMs, readMaxTimestampMs, readRecordCount, readCompression, readAttributes, readProducerId, readProducerEpoch,
  BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, PARTITION_LEADER_EPOCH_OFFSET, MAGIC_OFFSET, CRC_OFFSET, ATTRIBUTES_OFFSET,
  LAST_OFFSET_DELTA_OFFSET, BASE_TIMESTAMP_OFFSET, MAX_TIMESTAMP_OFFSET, PRODUCER_ID_OFFSET, PRODUCER_EPOCH_OFFSET,
  BASE_SEQUENCE_OFFSET, RECORD_COUNT_OFFSET, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, MAGIC_V2,
  ATTRIBUTE_COMPRESSION_MASK, ATTRIBUTE_LOG_APPEND_TIME, ATTRIBUTE_TRANSACTIONAL, ATTRIBUTE_CONTROL,
  type ProducerStamp, type BatchLimits, type BatchColumns,
} from "./batch.ts";
export {
  LedgeWasmError, CorruptBatchError, InvalidRecordError, BatchTooLargeError, UnsupportedCompressionError,
  MalformedCompressedDataError, CorruptStateError, CoreInternalError, errorForStatus, Status, coreErrors, type CoreErrorCode,
} from "./errors.ts";
export * from "./types.ts";
export { compress, decompress } from "./compression.ts";
export { ReadCommittedFilter, ControlType, readControlType } from "./read-committed.ts";
export { recompressBatch } from "./batch-recompress.ts";
export { regroupBatch, type BatchPiece, type RegroupOptions } from "./batch-regroup.ts";
export {
  JsonFieldExtractor, JsonKind, JsonDocStatus, jsonDocReasons, docReason, type FieldFormat, jsonFieldString, jsonPathSegments,
  JSON_PATHS_MAX, JSON_SEGMENTS_MAX, JSON_SEGMENT_BYTES_MAX, JSON_NESTING_MAX, type JsonFields, type JsonPath,
} from "./json-extract.ts";
export {
  QuantileSketches, SKETCH_RELATIVE_ACCURACY, SKETCH_BINS_DEFAULT, SKETCH_BINS_MIN, SKETCH_BINS_MAX, type SketchHandle,
} from "./quantile-sketch.ts";
export { WindowAccumulators, WindowField, WINDOW_FIELD_F64S, WINDOW_FIELDS_MAX } from "./window-accumulators.ts";
export { BatchFolder, FoldStop, FoldListed, type FoldSpec, type ListedRecord, type OpenWindows } from "./pipeline-fold.ts";
