// The exports of the core: one entry, re-exporting each kernel family.
export { alloc } from "./memory";
export { crc32c } from "./crc32c";
export { encodeBatchRecords, encodeRecords } from "./batch";
export { walkRecords } from "./batch-decode";
