// Snappy in the wasm core (wasm-core/assembly/snappy.ts): writes raw snappy (as librdkafka
// does); reads raw and the xerial framing Java clients write, sniffing the magic.
import { checkStatus, errorForStatus, Status } from "./errors.ts";
import { codecWorkspace } from "./codec-workspace.ts";

/** Compresses `src` into one raw snappy block. */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const ws = codecWorkspace();
  return ws.compress("snappy", src, ws.kernels.snappyCompressBound, ws.kernels.snappyCompress);
}

/** Decodes raw or xerial snappy; a stated length past `maxOutputBytes` is refused before decoding. */
export function snappyDecompress(src: Uint8Array, maxOutputBytes: number): Uint8Array {
  const ws = codecWorkspace();
  const detail = `snappy records of ${src.length} bytes, decompressed cap ${maxOutputBytes} bytes`;
  const inPtr = ws.input.write(src);
  const stated = checkStatus(ws.kernels.snappyDecodedLength(inPtr, src.length), detail);
  if (stated > maxOutputBytes) {
    throw errorForStatus(Status.ERR_DECOMPRESSED_TOO_LARGE, `${detail}: the stream states ${stated} bytes`);
  }
  const outPtr = ws.output.ensure(stated);
  const length = checkStatus(ws.kernels.snappyDecompress(inPtr, src.length, outPtr, stated), detail);
  return ws.takeOutput(length);
}
