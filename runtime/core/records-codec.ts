// Compression of a batch's records section. Until runtime/core/compression.ts (issue #2 part B)
// lands, gzip goes through node:zlib and the other codecs are refused with a typed error.
import { gunzipSync, gzipSync } from "node:zlib";
import { errorForStatus, Status } from "./errors.ts";
import { Compression, type CompressionCodec } from "./types.ts";

const codecNames = ["none", "gzip", "snappy", "lz4", "zstd"];

function unsupported(codec: number): never {
  const name = codecNames[codec] ?? `codec ${codec}`;
  throw errorForStatus(Status.ERR_UNSUPPORTED_COMPRESSION, `${name} is not available in this build`);
}

export function compressRecords(codec: CompressionCodec, records: Uint8Array): Uint8Array {
  if (codec === Compression.gzip) return gzipSync(records);
  if (codec === Compression.none) return records;
  return unsupported(codec);
}

/** Decompresses a records section, refusing output past `decompressedBytesMax`. */
export function decompressRecords(codec: number, compressed: Uint8Array, decompressedBytesMax: number): Uint8Array {
  if (codec === Compression.none) return compressed;
  if (codec !== Compression.gzip) return unsupported(codec);
  try {
    return gunzipSync(compressed, { maxOutputLength: decompressedBytesMax });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, `gzip records exceed ${decompressedBytesMax} bytes`);
    }
    throw errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA, `gzip: ${(err as Error).message}`);
  }
}
