// Compression of a batch's records section, one synchronous API over the four Kafka codecs:
// lz4 (frame) and snappy (raw; reads xerial too) in the wasm core, gzip through node:zlib,
// zstd through zstd-napi. Decompression never returns partial output: malformed input throws
// MalformedCompressedDataError (Kafka CORRUPT_MESSAGE), output past the cap throws
// BatchTooLargeError with statusName ERR_DECOMPRESSED_TOO_LARGE.
import assert from "node:assert/strict";
import { errorForStatus, Status } from "./errors.ts";
import { gzipCompress, gzipDecompress } from "./gzip.ts";
import { lz4Compress, lz4Decompress } from "./lz4.ts";
import { snappyCompress, snappyDecompress } from "./snappy.ts";
import { Compression, type CompressionCodec } from "./types.ts";
import { zstdCompress, zstdDecompress } from "./zstd.ts";

function unknownCodec(codec: number): never {
  throw errorForStatus(Status.ERR_UNSUPPORTED_COMPRESSION, `codec id ${codec} (known: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)`);
}

/** Compresses `src` with `codec` (none returns `src` itself). The result is the caller's. */
export function compress(codec: CompressionCodec, src: Uint8Array): Uint8Array {
  switch (codec) {
    case Compression.none: return src;
    case Compression.gzip: return gzipCompress(src);
    case Compression.snappy: return snappyCompress(src);
    case Compression.lz4: return lz4Compress(src);
    case Compression.zstd: return zstdCompress(src);
    default: return unknownCodec(codec);
  }
}

/** Decompresses `src` written with `codec`, refusing to produce more than `maxOutputBytes`. */
export function decompress(codec: CompressionCodec, src: Uint8Array, maxOutputBytes: number): Uint8Array {
  assert.ok(Number.isSafeInteger(maxOutputBytes), "maxOutputBytes is an integer");
  assert.ok(maxOutputBytes >= 0, "maxOutputBytes is not negative");
  switch (codec) {
    case Compression.none:
      if (src.length > maxOutputBytes) throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, `${src.length} uncompressed bytes, cap ${maxOutputBytes}`);
      return src;
    case Compression.gzip: return gzipDecompress(src, maxOutputBytes);
    case Compression.snappy: return snappyDecompress(src, maxOutputBytes);
    case Compression.lz4: return lz4Decompress(src, maxOutputBytes);
    case Compression.zstd: return zstdDecompress(src, maxOutputBytes);
    default: return unknownCodec(codec);
  }
}
