// LZ4 frame compression in the wasm core (wasm-core/assembly/lz4.ts): 64 KiB independent
// blocks on write; on read independent blocks, checksums and content size as flagged.
import { checkStatus } from "./errors.ts";
import { codecWorkspace } from "./codec-workspace.ts";

/** Compresses `src` into one LZ4 frame. */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const ws = codecWorkspace();
  return ws.compress("lz4", src, ws.kernels.lz4FrameBound, ws.kernels.lz4FrameCompress);
}

/** Decodes LZ4 frame(s); output past `maxOutputBytes` is an ERR_DECOMPRESSED_TOO_LARGE error. */
export function lz4Decompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const ws = codecWorkspace();
  const detail = `lz4 records of ${src.length} bytes, decompressed cap ${maxOutputBytes} bytes`;
  const inPtr = ws.input.write(src);
  const bound = checkStatus(ws.kernels.lz4FrameDecodedBound(inPtr, src.length), detail);
  // The bound counts each compressed block at the frame's block size; the kernel enforces the cap.
  const capBytes = Math.min(bound, maxOutputBytes);
  const outPtr = ws.output.ensure(capBytes);
  const length = checkStatus(ws.kernels.lz4FrameDecompress(inPtr, src.length, outPtr, capBytes), detail);
  return ws.takeOutput(length);
}
