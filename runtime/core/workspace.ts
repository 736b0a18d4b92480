// The regions of wasm memory runtime/core works in, reserved once per core and grown (never
// freed) when a larger batch than ever before arrives. One workspace per thread: every call
// leaves them free for the next, so a view into them is valid only until the next call.
import { Region } from "./region.ts";
import { core, type WasmCore } from "./wasm.ts";

const INITIAL_BYTES = 64 * 1024;

export class Workspace {
  readonly core: WasmCore;
  /** Bytes copied in: a batch to check, a buffer to CRC, a records section to walk. */
  readonly input: Region;
  /** Encoder inputs: per-record descriptors, per-header descriptors, key/value/header bytes. */
  readonly recordDescriptors: Region;
  readonly headerDescriptors: Region;
  readonly data: Region;
  /** Encoder output. */
  readonly output: Region;
  /** Decoder output: record columns and header columns. */
  readonly columns: Region;
  readonly headerColumns: Region;

  constructor(wasm: WasmCore) {
    this.core = wasm;
    this.input = new Region(wasm, INITIAL_BYTES);
    this.recordDescriptors = new Region(wasm, 4096);
    this.headerDescriptors = new Region(wasm, 4096);
    this.data = new Region(wasm, INITIAL_BYTES);
    this.output = new Region(wasm, INITIAL_BYTES);
    this.columns = new Region(wasm, 4096);
    this.headerColumns = new Region(wasm, 4096);
  }
}

let shared: Workspace | undefined;

/** The thread's workspace over the thread's core, created on first use. */
export function workspace(): Workspace {
  shared ??= new Workspace(core());
  return shared;
}
