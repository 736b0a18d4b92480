// A growable scratch region in wasm memory. Growth allocates a new, larger region (the core
// never frees), doubling, so the total reserved stays under twice the largest request.
import type { WasmCore } from "./wasm.ts";

export class Region {
  readonly #core: WasmCore;
  #ptr = 0;
  #capacityBytes = 0;

  constructor(core: WasmCore, initialBytes: number) {
    this.#core = core;
    this.ensure(initialBytes);
  }

  get ptr(): number {
    return this.#ptr;
  }

  get capacityBytes(): number {
    return this.#capacityBytes;
  }

  /** Makes the region at least `bytes` long; returns its pointer (which may change). */
  ensure(bytes: number): number {
    if (bytes <= this.#capacityBytes) return this.#ptr;
    let capacity = Math.max(this.#capacityBytes, 4096);
    while (capacity < bytes) capacity *= 2;
    this.#ptr = this.#core.alloc(capacity);
    this.#capacityBytes = capacity;
    return this.#ptr;
  }

  /** Copies `src` into the region (growing it if needed); returns the pointer. */
  write(src: Uint8Array): number {
    const ptr = this.ensure(src.length);
    this.#core.bytes.set(src, ptr);
    return ptr;
  }

  /** A view of `length` bytes of the region: valid only until the next wasm call. */
  view(length: number, offset = 0): Uint8Array {
    return this.#core.bytes.subarray(this.#ptr + offset, this.#ptr + offset + length);
  }
}
