// The one boundary to WebAssembly: loads the core and owns its memory. Nothing else in ledge
// calls a wasm export or reads wasm memory; the rest of runtime/core wraps this class.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type WasmBuild = "release" | "debug";

/** Raw exports of wasm-core/assembly/index.ts; every kernel takes pointers and returns an i32 status. */
export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Runs the module's top-level code (fills the CRC tables); called once by the constructor. */
  _initialize?: () => void;
  alloc(bytes: number): number;
  /** CRC-32C of [ptr, ptr + len) (a value, not a status; returned as a signed i32). */
  crc32c(ptr: number, len: number): number;
  /** Header [0, 61) written by the host; writes records, batchLength and CRC. Returns total bytes or a status. */
  encodeBatchRecords(
    batch: number, capacity: number, desc: number, count: number, headerDesc: number, headerCount: number,
    data: number, dataLength: number,
  ): number;
  /** Writes only the records section (for the host to compress). Returns its bytes or a status. */
  encodeRecords(
    out: number, capacity: number, desc: number, count: number, headerDesc: number, headerCount: number,
    data: number, dataLength: number,
  ): number;
  /** Walks (and optionally decodes into columns) a records section. Returns the header count or a status. */
  walkRecords(
    ptr: number, length: number, count: number, lastOffsetDelta: number, flags: number,
    columns: number, headerColumns: number, headerCapacity: number,
  ): number;
  [kernel: string]: unknown;
}

const buildDir = new URL("../../wasm-core/build/", import.meta.url);

function wasmPath(build: WasmBuild): string {
  return fileURLToPath(new URL(`${build}.wasm`, buildDir));
}

/** Which build to load: `LEDGE_WASM=debug` selects the bounds-checked build (tests use it). */
export function defaultBuild(): WasmBuild {
  return process.env.LEDGE_WASM === "debug" ? "debug" : "release";
}

export class WasmCore {
  readonly build: WasmBuild;
  readonly exports: CoreExports;
  #bytes: Uint8Array;
  #f64: Float64Array;

  constructor(build: WasmBuild = defaultBuild()) {
    this.build = build;
    let bytes: Buffer;
    try {
      bytes = readFileSync(wasmPath(build));
    } catch (err) {
      throw new Error(
        `ledge: cannot read the WebAssembly core ${wasmPath(build)} (${(err as Error).message}); ` +
          "run `npm install` (or `npm run build:wasm`) to compile it",
      );
    }
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    const instance = new WebAssembly.Instance(module, {
      env: {
        // abort is reserved for ledge's own bugs (input errors are statuses), so it throws.
        abort(_msg: number, _file: number, line: number, column: number): never {
          throw new Error(`ledge: wasm-core assertion failed at line ${line}:${column} (a ledge bug)`);
        },
      },
    });
    this.exports = instance.exports as unknown as CoreExports;
    this.exports._initialize?.();
    this.#bytes = new Uint8Array(this.exports.memory.buffer);
    this.#f64 = new Float64Array(this.exports.memory.buffer);
  }

  /** A view of all of linear memory; re-read after any call that may grow memory. */
  get bytes(): Uint8Array {
    if (this.#bytes.buffer !== this.exports.memory.buffer) {
      this.#bytes = new Uint8Array(this.exports.memory.buffer);
    }
    return this.#bytes;
  }

  /** All of linear memory as f64s (address / 8); re-read as `bytes`. */
  get f64(): Float64Array {
    if (this.#f64.buffer !== this.exports.memory.buffer) {
      this.#f64 = new Float64Array(this.exports.memory.buffer);
    }
    return this.#f64;
  }

  /** Reserves a region for the life of the instance (the core never frees). */
  alloc(bytes: number): number {
    return this.exports.alloc(bytes) >>> 0;
  }
}

let shared: WasmCore | undefined;

/** The process-wide core instance (one per thread), created on first use. */
export function core(): WasmCore {
  shared ??= new WasmCore();
  return shared;
}
