// Mergeable quantile sketches in the wasm core (wasm-core/assembly/quantile-sketch.ts): DDSketch
// with 1% relative accuracy, a bucket cap per sketch, a byte form for checkpoints.
import { checkStatus } from "./errors.ts";
import { Region } from "./region.ts";
import { core, type WasmCore } from "./wasm.ts";

/** Every quantile is within this relative error of the exact value of its rank. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;
/**
 * Bucket cap per sign. A sketch takes a 64-byte header, and per sign seen a block of counters sized
 * to the buckets it holds (a power of two from 16, 8 bytes each): the cap bounds the block.
 */
export const SKETCH_BINS_DEFAULT = 1024;
export const SKETCH_BINS_MIN = 16;
export const SKETCH_BINS_MAX = 32768;

/** A sketch: its address in wasm memory, valid until released. */
export type SketchHandle = number & { readonly __sketch: unique symbol };

interface SketchKernels {
  sketchBytes(binsMax: number): number;
  sketchInit(sketch: number, binsMax: number): number;
  sketchClear(sketch: number): number;
  sketchRelease(sketch: number): number;
  sketchAdd(sketch: number, values: number, count: number): number;
  sketchMerge(into: number, from: number): number;
  sketchQuantiles(sketch: number, fractions: number, count: number, out: number): number;
  sketchCount(sketch: number): number;
  sketchSerializedBound(sketch: number): number;
  sketchSerialize(sketch: number, out: number, capacity: number): number;
  sketchDeserialize(sketch: number, src: number, length: number): number;
}

/** Per core: released sketch headers by cap, for any pool of that cap to reuse (the core never frees). */
const released = new WeakMap<WasmCore, Map<number, number[]>>();
/** Per core: one scratch region for all pools (values in, fractions and quantiles, bytes). */
const scratchRegions = new WeakMap<WasmCore, Region>();

/**
 * Sketches of one bucket cap. Memory: each live sketch holds its header and the blocks its buckets
 * need; released ones give their blocks to the core's free lists and their headers to this cap's
 * pool, so the total stays at the most ever held at once.
 */
export class QuantileSketches {
  readonly binsMax: number;
  readonly sketchBytes: number;
  readonly #core: WasmCore;
  readonly #kernels: SketchKernels;
  readonly #free: number[];
  readonly #live = new Set<number>();
  /** Values to add, fractions and quantiles, serialised bytes. */
  readonly #scratch: Region;

  constructor(options: { binsMax?: number } = {}) {
    const binsMax = options.binsMax ?? SKETCH_BINS_DEFAULT;
    if (!Number.isInteger(binsMax) || binsMax < SKETCH_BINS_MIN || binsMax > SKETCH_BINS_MAX) {
      throw new RangeError(`a quantile sketch's bucket cap must be an integer from ${SKETCH_BINS_MIN} to ${SKETCH_BINS_MAX}, not ${binsMax}`);
    }
    this.#core = core();
    this.#kernels = this.#core.exports as unknown as SketchKernels;
    this.binsMax = binsMax;
    this.sketchBytes = checkStatus(this.#kernels.sketchBytes(binsMax));
    let byCap = released.get(this.#core);
    if (byCap === undefined) released.set(this.#core, (byCap = new Map()));
    let free = byCap.get(binsMax);
    if (free === undefined) byCap.set(binsMax, (free = []));
    this.#free = free;
    let scratch = scratchRegions.get(this.#core);
    if (scratch === undefined) scratchRegions.set(this.#core, (scratch = new Region(this.#core, 4096)));
    this.#scratch = scratch;
  }

  /** A new empty sketch. */
  create(): SketchHandle {
    const reused = this.#free.pop();
    const sketch = reused ?? this.#core.alloc(this.sketchBytes);
    // A released sketch is an empty one of this cap.
    if (reused === undefined) checkStatus(this.#kernels.sketchInit(sketch, this.binsMax));
    this.#live.add(sketch);
    return sketch as SketchHandle;
  }

  /** Gives the sketch's memory back for reuse; the handle is dead afterwards. */
  release(sketch: SketchHandle): void {
    this.#check(sketch);
    checkStatus(this.#kernels.sketchRelease(sketch));
    this.#live.delete(sketch);
    this.#free.push(sketch);
  }

  clear(sketch: SketchHandle): void {
    this.#check(sketch);
    checkStatus(this.#kernels.sketchClear(sketch));
  }

  /** Counts `values[from, to)`; NaN and ±Infinity are skipped. Returns how many were skipped. */
  add(sketch: SketchHandle, values: Float64Array, from = 0, to = values.length): number {
    this.#check(sketch);
    const count = to - from;
    const ptr = this.#scratch.ensure(count * 8);
    new Float64Array(this.#core.exports.memory.buffer, ptr, count).set(values.subarray(from, to));
    return checkStatus(this.#kernels.sketchAdd(sketch, ptr, count), `adding ${count} values to a quantile sketch`);
  }

  /** Adds everything `from` counted into `into` (`from` is unchanged). */
  merge(into: SketchHandle, from: SketchHandle): void {
    this.#check(into);
    this.#check(from);
    checkStatus(this.#kernels.sketchMerge(into, from), "merging quantile sketches");
  }

  /** The value of rank floor(q * (count - 1)) in sorted order, within 1%; NaN when empty. */
  quantile(sketch: SketchHandle, q: number): number {
    return this.quantiles(sketch, [q])[0];
  }

  /** quantile() for several fractions in one call. */
  quantiles(sketch: SketchHandle, fractions: readonly number[]): Float64Array {
    const out = new Float64Array(fractions.length);
    this.quantilesInto(sketch, fractions, out);
    return out;
  }

  /** quantiles() into `out` (one per fraction), allocating nothing: a result per closed window reads them. */
  quantilesInto(sketch: SketchHandle, fractions: readonly number[], out: Float64Array): void {
    this.#check(sketch);
    const n = fractions.length;
    const ptr = this.#scratch.ensure(n * 16); // the core's allocations are 16-byte aligned
    const at = ptr / 8;
    const f64 = this.#core.f64;
    for (let i = 0; i < n; i++) f64[at + i] = fractions[i];
    checkStatus(this.#kernels.sketchQuantiles(sketch, ptr, n, ptr + n * 8));
    for (let i = 0; i < n; i++) out[i] = f64[at + n + i]; // the call allocates nothing: the view holds
  }

  count(sketch: SketchHandle): number {
    this.#check(sketch);
    return checkStatus(this.#kernels.sketchCount(sketch));
  }

  /** The sketch as bytes (canonical: equal sketches give equal bytes), for checkpoints. */
  serialize(sketch: SketchHandle): Uint8Array {
    this.#check(sketch);
    const bound = checkStatus(this.#kernels.sketchSerializedBound(sketch));
    const ptr = this.#scratch.ensure(bound);
    const length = checkStatus(this.#kernels.sketchSerialize(sketch, ptr, bound));
    return this.#scratch.view(length).slice();
  }

  /**
   * Replaces the sketch's contents with serialised ones. Throws CorruptStateError for malformed
   * bytes, leaving the sketch unchanged. Bytes from another cap fold into this pool's cap.
   */
  restore(sketch: SketchHandle, bytes: Uint8Array): void {
    this.#check(sketch);
    const ptr = this.#scratch.write(bytes);
    checkStatus(this.#kernels.sketchDeserialize(sketch, ptr, bytes.length), `restoring a quantile sketch from ${bytes.length} bytes`);
  }

  #check(sketch: SketchHandle): void {
    if (!this.#live.has(sketch)) throw new RangeError(`quantile sketch ${sketch} is not live in this pool (released, or from another pool)`);
  }
}
