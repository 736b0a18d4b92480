// Per-(window, key) accumulators in wasm memory (wasm-core/assembly/window-accumulate.ts): a
// batch's values are folded in with one call; the host only says which slot each record feeds.
import { checkStatus } from "./errors.ts";
import { QuantileSketches, type SketchHandle } from "./quantile-sketch.ts";
import { Region } from "./region.ts";
import { core, type WasmCore } from "./wasm.ts";

/** f64s per field in a slot; must match WINDOW_FIELD_F64S in window-accumulate.ts. */
export const WINDOW_FIELD_F64S = 9;
/** Offsets of a field's accumulators inside its WINDOW_FIELD_F64S (after the slot's count). */
export const WindowField = { sum: 0, min: 1, max: 2, first: 3, firstTime: 4, last: 5, lastTime: 6, mean: 7, m2: 8 } as const;
/** Fields a slot may hold (the kernel's own bound). */
export const WINDOW_FIELDS_MAX = 64;

interface WindowKernels {
  windowAccumulate(
    state: number, slotCount: number, entryCount: number, slots: number, records: number,
    times: number, values: number, recordCount: number, fieldCount: number, sketches: number,
  ): number;
  windowMergeSlots(state: number, slotCount: number, fieldCount: number, into: number, from: number): number;
}

/**
 * Slots of accumulators for `fieldCount` fields, optionally with one quantile sketch per field.
 * Memory: (1 + 9 * fieldCount) * 8 bytes per slot, plus the sketches' (see QuantileSketches),
 * for the most slots ever live at once (released slots are reused; the core never frees).
 */
export class WindowAccumulators {
  readonly fieldCount: number;
  readonly slotF64s: number;
  readonly #core: WasmCore;
  readonly #kernels: WindowKernels;
  readonly #sketches: QuantileSketches | null;
  #statePtr = 0;
  #slotCapacity = 0;
  #sketchTablePtr = 0;
  /** Sketch handles by slot * fieldCount + field (mirrors the wasm table). */
  #sketchOf = new Int32Array(0);
  readonly #free: number[] = [];
  #slotsUsed = 0;
  readonly #input: Region;

  constructor(fieldCount: number, options: { quantiles: boolean; binsMax?: number }) {
    if (!Number.isInteger(fieldCount) || fieldCount < 0 || fieldCount > WINDOW_FIELDS_MAX) {
      throw new RangeError(`window accumulators hold 0 to ${WINDOW_FIELDS_MAX} fields, not ${fieldCount}`);
    }
    this.fieldCount = fieldCount;
    this.slotF64s = 1 + fieldCount * WINDOW_FIELD_F64S;
    this.#core = core();
    this.#kernels = this.#core.exports as unknown as WindowKernels;
    this.#sketches = options.quantiles && fieldCount > 0 ? new QuantileSketches({ binsMax: options.binsMax }) : null;
    this.#input = new Region(this.#core, 64 * 1024);
    this.#grow(64);
  }

  /** An empty slot (count 0). */
  allocate(): number {
    let slot = this.#free.pop();
    if (slot === undefined) {
      if (this.#slotsUsed === this.#slotCapacity) this.#grow(this.#slotCapacity * 2);
      slot = this.#slotsUsed++;
      if (this.#sketches) {
        for (let f = 0; f < this.fieldCount; f++) this.#sketchOf[slot * this.fieldCount + f] = this.#sketches.create();
        this.#writeSketchTable(slot * this.fieldCount, (slot + 1) * this.fieldCount);
      }
    }
    this.state.fill(0, slot * this.slotF64s, (slot + 1) * this.slotF64s);
    return slot;
  }

  /** Frees a slot for reuse; its sketches are emptied now, while the results just read them into cache. */
  release(slot: number): void {
    if (this.#sketches) {
      for (let f = 0; f < this.fieldCount; f++) this.#sketches.clear(this.#sketchOf[slot * this.fieldCount + f] as SketchHandle);
    }
    this.#free.push(slot);
  }

  /**
   * Folds entries [0, entryCount): entry e feeds slot slots[e] with record records[e]; record r
   * has event time times[r] and value values[f * recordCount + r] of field f (finite numbers).
   */
  feed(slots: Int32Array, records: Int32Array, entryCount: number, times: Float64Array, values: Float64Array, recordCount: number): void {
    if (entryCount === 0) return;
    const f = this.fieldCount;
    const bytes = entryCount * 8 + recordCount * 8 * (1 + f);
    const ptr = this.#input.ensure(bytes);
    const buffer = this.#core.exports.memory.buffer;
    new Int32Array(buffer, ptr, entryCount).set(slots.subarray(0, entryCount));
    new Int32Array(buffer, ptr + entryCount * 4, entryCount).set(records.subarray(0, entryCount));
    const timesPtr = ptr + entryCount * 8;
    new Float64Array(buffer, timesPtr, recordCount).set(times.subarray(0, recordCount));
    const valuesPtr = timesPtr + recordCount * 8;
    new Float64Array(buffer, valuesPtr, recordCount * f).set(values.subarray(0, recordCount * f));
    checkStatus(this.#kernels.windowAccumulate(
      this.#statePtr, this.#slotsUsed, entryCount, ptr, ptr + entryCount * 4,
      timesPtr, valuesPtr, recordCount, f, this.#sketches ? this.#sketchTablePtr : 0,
    ), `folding ${entryCount} values into window accumulators`);
  }

  /** Where the slots live, for a kernel that folds into them itself (runtime/core's BatchFolder); changes when slots are allocated. */
  get regions(): { state: number; slotCount: number; sketches: number } {
    return { state: this.#statePtr, slotCount: this.#slotsUsed, sketches: this.#sketches ? this.#sketchTablePtr : 0 };
  }

  /** Folds slot `from` into `into` (session windows that meet); `from` is unchanged. */
  merge(into: number, from: number): void {
    checkStatus(this.#kernels.windowMergeSlots(this.#statePtr, this.#slotsUsed, this.fieldCount, into, from), "merging window slots");
    if (!this.#sketches) return;
    for (let f = 0; f < this.fieldCount; f++) {
      this.#sketches.merge(this.#sketchOf[into * this.fieldCount + f] as SketchHandle, this.#sketchOf[from * this.fieldCount + f] as SketchHandle);
    }
  }

  #stateView: Float64Array | null = null;

  /**
   * Every slot's f64s, slot s at s * slotF64s (a view: valid until the next wasm call or
   * allocate, as every view of wasm memory).
   */
  get state(): Float64Array {
    const buffer = this.#core.exports.memory.buffer;
    const view = this.#stateView;
    if (view === null || view.buffer !== buffer || view.byteOffset !== this.#statePtr || view.length !== this.#slotCapacity * this.slotF64s) {
      return (this.#stateView = new Float64Array(buffer, this.#statePtr, this.#slotCapacity * this.slotF64s));
    }
    return view;
  }

  /** The slot's count and per-field accumulators (a copy): [count, f0.sum, f0.min, ...]. */
  read(slot: number): Float64Array {
    return this.state.slice(slot * this.slotF64s, (slot + 1) * this.slotF64s);
  }

  /** Quantiles of one field's values in the slot, within the sketch's 1%. */
  quantiles(slot: number, field: number, fractions: readonly number[]): Float64Array {
    const out = new Float64Array(fractions.length);
    this.quantilesInto(slot, field, fractions, out);
    return out;
  }

  /** quantiles() into `out`, allocating nothing. */
  quantilesInto(slot: number, field: number, fractions: readonly number[], out: Float64Array): void {
    if (!this.#sketches) throw new RangeError("these window accumulators keep no quantile sketches");
    this.#sketches.quantilesInto(this.#sketchOf[slot * this.fieldCount + field] as SketchHandle, fractions, out);
  }

  /** The slot as bytes for a checkpoint: its f64s, then per field a u32 length and the sketch. */
  serialize(slot: number): Uint8Array {
    const parts: Uint8Array[] = [new Uint8Array(this.read(slot).buffer)];
    if (this.#sketches) {
      for (let f = 0; f < this.fieldCount; f++) {
        const bytes = this.#sketches.serialize(this.#sketchOf[slot * this.fieldCount + f] as SketchHandle);
        const length = new Uint8Array(4);
        new DataView(length.buffer).setUint32(0, bytes.length, true);
        parts.push(length, bytes);
      }
    }
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** A new slot holding what `serialize` wrote; throws CorruptStateError for damaged bytes. */
  restore(bytes: Uint8Array): number {
    const slot = this.allocate();
    const stateBytes = this.slotF64s * 8;
    if (bytes.length < stateBytes) throw new RangeError(`a window slot checkpoint of ${bytes.length} bytes is shorter than the ${stateBytes} its fields need`);
    const copy = bytes.slice(0, stateBytes);
    this.state.set(new Float64Array(copy.buffer), slot * this.slotF64s);
    let at = stateBytes;
    if (this.#sketches) {
      for (let f = 0; f < this.fieldCount; f++) {
        const length = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, true);
        this.#sketches.restore(this.#sketchOf[slot * this.fieldCount + f] as SketchHandle, bytes.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
    }
    return slot;
  }

  /**
   * Gives every sketch back to the pool for the next accumulators to reuse (the core never frees,
   * so a dropped set would otherwise keep its sketch memory). The accumulators are dead after.
   */
  dispose(): void {
    if (this.#sketches) {
      for (let i = 0; i < this.#slotsUsed * this.fieldCount; i++) this.#sketches.release(this.#sketchOf[i] as SketchHandle);
    }
    this.#slotsUsed = 0;
    this.#free.length = 0;
  }

  #grow(capacity: number): void {
    const stateBytes = capacity * this.slotF64s * 8;
    const ptr = this.#core.alloc(Math.max(16, stateBytes));
    if (this.#slotCapacity > 0) this.#core.bytes.copyWithin(ptr, this.#statePtr, this.#statePtr + this.#slotsUsed * this.slotF64s * 8);
    this.#statePtr = ptr;
    const table = new Int32Array(capacity * this.fieldCount);
    table.set(this.#sketchOf);
    this.#sketchOf = table;
    if (this.#sketches) this.#sketchTablePtr = this.#core.alloc(Math.max(16, capacity * this.fieldCount * 4));
    this.#slotCapacity = capacity;
    this.#writeSketchTable(0, this.#slotsUsed * this.fieldCount);
  }

  /** Copies table entries [from, to) into wasm memory. */
  #writeSketchTable(from: number, to: number): void {
    if (!this.#sketches || to <= from) return;
    new Int32Array(this.#core.exports.memory.buffer, this.#sketchTablePtr + from * 4, to - from).set(this.#sketchOf.subarray(from, to));
  }
}
