// Recompressing a stored batch for another codec without touching its records: a RecordBatch's
// records section is the same bytes whatever the codec, so only the wrapper changes — the
// section is decompressed and compressed again (lz4 and snappy in the wasm core, gzip in zlib,
// zstd native), then the header gets the new codec bits, length and CRC. No record is decoded.
import { ATTRIBUTES_OFFSET, ATTRIBUTE_COMPRESSION_MASK, BATCH_HEADER_BYTES, BATCH_LENGTH_OFFSET, BATCH_LENGTH_PREFIX_BYTES, CRC_OFFSET, readBatchHeader } from "./batch-header.ts";
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from "./batch-decode.ts";
import { compress, decompress } from "./compression.ts";
import { crc32c } from "./crc32c.ts";
import type { CompressionCodec } from "./types.ts";

/**
 * `batch` with its records section compressed with `codec` instead: a new buffer, or `batch`
 * itself when it already uses that codec. The CRC is recomputed; producer fields, offsets and
 * timestamps are kept. Throws MalformedCompressedDataError for a section that does not
 * decompress, BatchTooLargeError past `maxDecompressedBytes`.
 */
export function recompressBatch(batch: Uint8Array, codec: CompressionCodec, maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Uint8Array {
  const h = readBatchHeader(batch);
  if (h.compression === codec) return batch;
  const end = BATCH_LENGTH_PREFIX_BYTES + h.batchLength;
  const section = batch.subarray(BATCH_HEADER_BYTES, end);
  const plain = h.compression === 0 ? section : decompress(h.compression, section, maxDecompressedBytes);
  const packed = compress(codec, plain);
  const out = new Uint8Array(BATCH_HEADER_BYTES + packed.length);
  out.set(batch.subarray(0, BATCH_HEADER_BYTES));
  out.set(packed, BATCH_HEADER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setInt32(BATCH_LENGTH_OFFSET, out.length - BATCH_LENGTH_PREFIX_BYTES);
  view.setInt16(ATTRIBUTES_OFFSET, (h.attributes & ~ATTRIBUTE_COMPRESSION_MASK) | codec);
  view.setUint32(CRC_OFFSET, crc32c(out.subarray(ATTRIBUTES_OFFSET)));
  return out;
}
