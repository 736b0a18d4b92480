// The two wasm regions the wasm codecs (lz4, snappy) work in: compressed or plain input
// copied in, and output copied out. Separate from batch's workspace, so batch code can call
// a codec while holding views into its own regions. Grown on demand, never freed.
import { checkStatus } from "./errors.ts";
import { Region } from "./region.ts";
import { core, type WasmCore } from "./wasm.ts";

const INITIAL_BYTES = 64 * 1024;

/** The wasm-core kernels of lz4.ts, snappy.ts and xxhash32.ts: (ptr, len[, out, cap]) -> i32. */
export interface CodecKernels {
  xxhash32(ptr: number, len: number, seed: number): number;
  lz4FrameBound(srcLen: number): number;
  lz4FrameCompress(src: number, srcLen: number, dst: number, dstCap: number): number;
  lz4FrameDecodedBound(src: number, srcLen: number): number;
  lz4FrameDecompress(src: number, srcLen: number, dst: number, dstCap: number): number;
  snappyCompressBound(srcLen: number): number;
  snappyCompress(src: number, srcLen: number, dst: number, dstCap: number): number;
  snappyDecodedLength(src: number, srcLen: number): number;
  snappyDecompress(src: number, srcLen: number, dst: number, dstCap: number): number;
}

export class CodecWorkspace {
  readonly core: WasmCore;
  readonly kernels: CodecKernels;
  readonly input: Region;
  readonly output: Region;

  constructor(wasm: WasmCore) {
    this.core = wasm;
    this.kernels = wasm.exports as unknown as CodecKernels;
    this.input = new Region(wasm, INITIAL_BYTES);
    this.output = new Region(wasm, INITIAL_BYTES);
  }

  /** `src` through one wasm compressor: output room from its bound kernel, then the kernel. */
  compress(codec: string, src: Uint8Array, bound: (srcLen: number) => number, compress: CodecKernels["lz4FrameCompress"]): Uint8Array {
    const room = checkStatus(bound(src.length), `${codec}: ${src.length} bytes to compress`);
    const outPtr = this.output.ensure(room);
    const inPtr = this.input.write(src);
    return this.takeOutput(checkStatus(compress(inPtr, src.length, outPtr, room), `${codec}: compressing ${src.length} bytes`));
  }

  /** Copies `length` bytes of the output region out of wasm memory (the caller keeps them). */
  takeOutput(length: number): Uint8Array {
    return this.output.view(length).slice();
  }
}

let shared: CodecWorkspace | undefined;

/** The thread's codec workspace over the thread's core, created on first use. */
export function codecWorkspace(): CodecWorkspace {
  shared ??= new CodecWorkspace(core());
  return shared;
}
