// Every kernel returns an i32: >= 0 is success (often a length or a count), < 0 is one of
// these named failures. Kernels never trap on input; abort/assert are for ledge's own bugs.
// runtime/core/errors.ts maps each to a typed error; a test checks the two tables agree.
// Append new codes at the end; never renumber.

export const OK: i32 = 0;
/** A (pointer, length) pair from runtime/core lies outside linear memory: a ledge bug. */
export const ERR_REGION_OUT_OF_BOUNDS: i32 = -1;
/** Fewer bytes than the 61-byte header, or than batchLength says the batch holds. */
export const ERR_BATCH_TRUNCATED: i32 = -2;
/** batchLength is below the header's 49 bytes. */
export const ERR_BATCH_LENGTH: i32 = -3;
/** magic is not 2 (RecordBatch v2 is the only format ledge stores). */
export const ERR_BATCH_MAGIC: i32 = -4;
/** The stored CRC-32C does not match the bytes. */
export const ERR_BATCH_CRC: i32 = -5;
/** lastOffsetDelta + 1 != recordCount, or recordCount <= 0. */
export const ERR_BATCH_RECORD_COUNT: i32 = -6;
/** A control batch (attributes bit 5) sent by a client. */
export const ERR_BATCH_CONTROL: i32 = -7;
/** producerId >= 0 but baseSequence < 0. */
export const ERR_BATCH_SEQUENCE: i32 = -8;
/** A record varint is longer than 5 bytes (10 for varlongs) or runs past the end. */
export const ERR_RECORD_VARINT: i32 = -9;
/** A record's length is negative, runs past the records, or disagrees with its fields. */
export const ERR_RECORD_LENGTH: i32 = -10;
/** A key, value or header length is below -1 (or a header key is null), or runs past the record. */
export const ERR_RECORD_FIELD_LENGTH: i32 = -11;
/** A record's offsetDelta is out of order (a produced batch must count 0, 1, 2, ...). */
export const ERR_RECORD_OFFSET_DELTA: i32 = -12;
/** The records section holds more or fewer records than recordCount. */
export const ERR_RECORD_COUNT_MISMATCH: i32 = -13;
/** The batch is larger than the configured limit. */
export const ERR_BATCH_TOO_LARGE: i32 = -14;
/** The compression codec bits hold 5, 6 or 7. */
export const ERR_UNSUPPORTED_COMPRESSION: i32 = -15;
/** The records decompress to more than the configured cap. */
export const ERR_DECOMPRESSED_TOO_LARGE: i32 = -16;
/** An encoder's output region is too small, or its descriptors disagree with its data: a ledge bug. */
export const ERR_OUTPUT_TOO_SMALL: i32 = -17;
/** The compressed records section is malformed (codec-specific reason in the message). */
export const ERR_MALFORMED_COMPRESSED_DATA: i32 = -18;

// LZ4 frame (wasm-core/assembly/lz4.ts). Output over the cap is ERR_DECOMPRESSED_TOO_LARGE.
/** The bytes do not start with the LZ4 frame magic 0x184D2204. */
export const ERR_LZ4_FRAME_MAGIC: i32 = -19;
/** The frame descriptor has a version other than 01, reserved bits set, a dictionary id, or an unknown block size. */
export const ERR_LZ4_FRAME_DESCRIPTOR: i32 = -20;
/** The frame header checksum byte is not (xxHash32(descriptor) >> 8) & 0xFF. */
export const ERR_LZ4_HEADER_CHECKSUM: i32 = -21;
/** The frame's block-independence flag is clear (Kafka requires independent blocks). */
export const ERR_LZ4_DEPENDENT_BLOCKS: i32 = -22;
/** A block's xxHash32 checksum does not match its bytes. */
export const ERR_LZ4_BLOCK_CHECKSUM: i32 = -23;
/** The frame ends before its end mark, or a block runs past the end of the input. */
export const ERR_LZ4_TRUNCATED: i32 = -24;
/** A block is larger than the frame's block size, a sequence overruns its block or points before it, or it breaks the end-of-block rules. */
export const ERR_LZ4_BLOCK_DATA: i32 = -25;
/** The frame's content size disagrees with the bytes its blocks decode to. */
export const ERR_LZ4_CONTENT_SIZE: i32 = -26;
// Snappy (wasm-core/assembly/snappy.ts), raw and xerial-framed.
/** The uncompressed-length varint at the start of a raw snappy block is missing or longer than 5 bytes. */
export const ERR_SNAPPY_LENGTH: i32 = -27;
/** A snappy element runs past the input or output, or a copy's offset is 0 or before the start. */
export const ERR_SNAPPY_DATA: i32 = -28;
/** A raw snappy block decodes to a length other than the one its header states. */
export const ERR_SNAPPY_LENGTH_MISMATCH: i32 = -29;
/** A xerial-framed snappy stream is truncated: a header or chunk runs past the end. */
export const ERR_SNAPPY_XERIAL_CHUNK: i32 = -30;
/** A record has a null key where the topic requires keys (compacted topics). */
export const ERR_RECORD_KEY_MISSING: i32 = -31;
/** Bytes follow the batch (Produce v3+ carries exactly one batch per partition). */
export const ERR_BATCH_TRAILING_BYTES: i32 = -32;
/** Bytes follow the LZ4 frame (Kafka's readers decode exactly one frame per batch). */
export const ERR_LZ4_TRAILING_BYTES: i32 = -33;
/** The JSON extractor got a malformed path table or too little room for unescaped strings: a ledge bug. */
export const ERR_JSON_ARGUMENTS: i32 = -34;
/** A quantile sketch in wasm memory is not initialised, its cap is out of range, or its count would pass 2^53: a ledge bug. */
export const ERR_SKETCH_ARGUMENTS: i32 = -35;
/** A serialised quantile sketch is malformed (a damaged checkpoint). */
export const ERR_SKETCH_CORRUPT: i32 = -36;
/** The window accumulator got a slot outside its state or a misshaped column set: a ledge bug. */
export const ERR_WINDOW_ARGUMENTS: i32 = -37;
