// The exports of the core: one entry, re-exporting each kernel family.
export { alloc } from "./memory";
export { crc32c } from "./crc32c";
export { encodeBatchRecords, encodeRecords } from "./batch";
export { walkRecords } from "./batch-decode";
export { xxhash32 } from "./xxhash32";
export { lz4FrameBound, lz4FrameCompress, lz4FrameDecodedBound, lz4FrameDecompress } from "./lz4";
export { snappyCompressBound, snappyCompress, snappyDecodedLength, snappyDecompress } from "./snappy";
export { jsonExtract } from "./json-extract";
export { msgpackExtract } from "./msgpack-extract";
export {
  sketchBytes, sketchInit, sketchClear, sketchRelease, sketchAdd, sketchMerge, sketchQuantiles, sketchCount,
  sketchSerializedBound, sketchSerialize, sketchDeserialize,
} from "./quantile-sketch";
export { windowAccumulate, windowMergeSlots } from "./window-accumulate";
export { pipelineFold, pipelineKeyPut, pipelineWindowPut } from "./pipeline-fold";
