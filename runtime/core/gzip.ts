// gzip through node:zlib (native, synchronous). Reading accepts concatenated members, as
// Kafka requires; the output cap is zlib's maxOutputLength, so a bomb stops at the cap.
import { gunzipSync, gzipSync } from "node:zlib";
import { errorForStatus, Status } from "./errors.ts";

export function gzipCompress(src: Uint8Array): Uint8Array {
  return gzipSync(src);
}

export function gzipDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const detail = `gzip records of ${src.length} bytes, decompressed cap ${maxOutputBytes} bytes`;
  try {
    // zlib refuses a maxOutputLength of 0; a cap of 0 still admits only empty output below.
    const out = gunzipSync(src, { maxOutputLength: Math.max(1, maxOutputBytes) });
    if (out.length > maxOutputBytes) throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, detail);
    return out;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, detail);
    }
    if (err instanceof Error && "statusName" in err) throw err;
    throw errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA, `${detail}: ${(err as Error).message}`);
  }
}
