// zstd through zstd-napi: synchronous native bindings to the reference library (the produce
// path validates batches synchronously; async-only bindings would not do). Decoding streams into
// a buffer that grows up to the cap, since streaming writers (Java zstd-jni, librdkafka) omit
// the content size; concatenated frames decode one after another.
import { createRequire } from "node:module";
import type * as ZstdBinding from "zstd-napi/binding.js";
import { errorForStatus, Status } from "./errors.ts";

/** librdkafka's and Kafka's default zstd level. */
const ZSTD_LEVEL = 3;
const OUTPUT_BYTES_INITIAL = 64 * 1024;

let binding: typeof ZstdBinding | undefined;
let decoder: ZstdBinding.DCtx | undefined;
let encoder: ZstdBinding.CCtx | undefined;

function zstd(): typeof ZstdBinding {
  if (binding !== undefined) return binding;
  try {
    binding = createRequire(import.meta.url)("zstd-napi/binding.js") as typeof ZstdBinding;
  } catch (err) {
    throw errorForStatus(
      Status.ERR_UNSUPPORTED_COMPRESSION,
      `zstd is unavailable: the zstd-napi addon did not load (${(err as Error).message}); ` +
        "reinstall with a C compiler present (`npm rebuild zstd-napi`)",
    );
  }
  return binding;
}

/** Compression scratch, grown to the largest bound seen; results are copied out of it so a
 *  kept batch does not pin a buffer several times its size. */
let scratch: Buffer = Buffer.alloc(0);

export function zstdCompress(src: Uint8Array): Uint8Array {
  const z = zstd();
  encoder ??= new z.CCtx();
  const bound = z.compressBound(src.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(bound);
  const length = encoder.compress(scratch, src, ZSTD_LEVEL);
  return Uint8Array.prototype.slice.call(scratch, 0, length);
}

/** Decodes zstd frame(s); output past `maxOutputBytes` is an ERR_DECOMPRESSED_TOO_LARGE error. */
export function zstdDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const z = zstd();
  const detail = `zstd records of ${src.length} bytes, decompressed cap ${maxOutputBytes} bytes`;
  if (src.length === 0) throw errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA, `${detail}: no zstd frame`);
  decoder ??= new z.DCtx();
  decoder.reset(z.ResetDirective.sessionOnly);
  // One byte past the cap tells "exactly at the cap" from "over it".
  const limitBytes = maxOutputBytes + 1;
  let out: Buffer = Buffer.allocUnsafe(Math.min(limitBytes, firstGuessBytes(z, src)));
  let produced = 0;
  let consumed = 0;
  let pending = 1;
  try {
    // Each pass consumes input or fills output (which grows to the limit), so the loop ends.
    while (consumed < src.length || pending !== 0) {
      if (produced === out.length) {
        if (out.length >= limitBytes) throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, detail);
        out = grow(out, produced, Math.min(limitBytes, out.length * 2));
      }
      const [hint, wrote, read] = decoder.decompressStream(out.subarray(produced), src.subarray(consumed));
      produced += wrote;
      consumed += read;
      pending = hint;
      if (wrote === 0 && read === 0 && produced < out.length) {
        throw errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA, `${detail}: the frame is truncated`);
      }
    }
  } catch (err) {
    decoder.reset(z.ResetDirective.sessionOnly);
    if (err instanceof Error && "statusName" in err) throw err;
    throw errorForStatus(Status.ERR_MALFORMED_COMPRESSED_DATA, `${detail}: ${(err as Error).message}`);
  }
  if (produced > maxOutputBytes) throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, detail);
  // Doubling can leave up to half the buffer unused: copy rather than pin it.
  return produced < out.length / 2 ? Uint8Array.prototype.slice.call(out, 0, produced) : out.subarray(0, produced);
}

/** The first frame's content size when its header states one, else a guess that grows. */
function firstGuessBytes(z: typeof ZstdBinding, src: Uint8Array): number {
  let stated: number | null = null;
  try {
    stated = z.getFrameContentSize(src);
  } catch {
    stated = null; // a bad header fails again, with its reason, in decompressStream
  }
  return Math.max(1, stated ?? Math.max(OUTPUT_BYTES_INITIAL, src.length * 4));
}

function grow(out: Buffer, used: number, bytes: number): Buffer {
  const bigger = Buffer.allocUnsafe(bytes);
  out.copy(bigger, 0, 0, used);
  return bigger;
}
