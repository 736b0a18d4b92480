// The host side of the fused pipeline kernel (wasm-core/assembly/pipeline-fold.ts): one stored
// batch's records are decoded, their fields extracted (JSON or MessagePack), keyed and folded
// into tumbling/hopping window accumulators in wasm, one call per batch. The caller is asked back
// only for a group key or a (window, key) the kernel's caches do not hold yet; records it cannot
// fold (bad input, late) are listed with where their bytes lie. No JS object per folded record.
import { loadCheckedRecords } from "./batch-decode.ts";
import { checkStatus } from "./errors.ts";
import { JsonFieldExtractor, type FieldFormat, type JsonPath } from "./json-extract.ts";
import type { BatchHeader } from "./types.ts";
import { core, type WasmCore } from "./wasm.ts";
import type { WindowAccumulators } from "./window-accumulators.ts";

// Control block indexes: must match C_* in wasm-core/assembly/pipeline-fold.ts.
const C = {
  records: 0, recordsLength: 1, recordCount: 2, baseTimestamp: 3, appendTime: 4, maxTimestamp: 5, partition: 6,
  format: 7, pathTable: 8, pathCount: 9, names: 10, namesLength: 11, keyPath: 12, timePath: 13, fieldPath0: 14,
  fieldCount: 15, size: 16, advance: 17, grace: 18, cells: 19, unescaped: 20, unescapedCapacity: 21,
  keySlots: 22, keySlotCapacity: 23, keyArena: 24, keyArenaCapacity: 25, keyArenaUsed: 26, keyCount: 27,
  windowSlots: 28, windowSlotCapacity: 29, windowCount: 30, state: 31, slotCount: 32, sketches: 33,
  list: 34, listCapacity: 35, listCount: 36, nextRecord: 37, cursor: 38, maxTime: 39, events: 40,
  stopRecordEnd: 41, stopTime: 42, stopKeyId: 43, stopKeyAt: 44, stopKeyLength: 45, decimal: 46, stopRecord: 48,
  keyLevel: 54, filter: 55, filterLength: 56, freeSlots: 57, freeCount: 58, openRoom: 59, opened: 60, openedCount: 61,
} as const;
const CONTROL_F64S = 64;
const LIST_F64S = 12;
const KEY_ROW_BYTES = 32;
const WINDOW_ROW_BYTES = 24;
const DECIMAL_BYTES = 24;
const CELL_BYTES = 20;

/** The layout above, for the test that holds it to the kernel's (test/core/pipeline-fold.layout.test.ts). */
export const FOLD_LAYOUT = {
  control: C, CONTROL_F64S, LIST_F64S, KEY_ROW_BYTES, WINDOW_ENTRY_BYTES: WINDOW_ROW_BYTES, DECIMAL_BYTES, JSON_COLUMN_BYTES_PER_CELL: CELL_BYTES,
} as const;

/** Why the kernel returned. Must match FOLD_* in pipeline-fold.ts. */
export const FoldStop = { done: 0, newKey: 1, newWindows: 2 } as const;

/** What a listed record is. Must match LIST_* in pipeline-fold.ts. */
export const FoldListed = { late: 0, document: 1, time: 2, field: 3, key: 4, keyFloat: 5, keyLevel: 6 } as const;

export interface FoldSpec {
  format: FieldFormat;
  /** Field paths the kernel extracts; keyPath/timePath/fieldPath0 index into them (timePath -1: the record timestamp). */
  paths: readonly JsonPath[];
  /** The group key: the value of path keyPath, or (keyPath -1) level keyLevel of the record key (the MQTT topic). */
  keyPath: number;
  keyLevel: number;
  /** An MQTT topic filter the record key must match; other records are skipped (neither folded nor listed). */
  filter?: string;
  timePath: number;
  fieldPath0: number;
  fieldCount: number;
  sizeMs: number;
  advanceMs: number;
  graceMs: number;
}

/** A record the kernel did not fold. */
export interface ListedRecord {
  index: number;
  what: number;
  /** document: its JsonDocStatus; time/key: the JsonKind found; field: field * 16 + kind. */
  detail: number;
  /** document: the byte where it stopped being readable, else -1. */
  errorPosition: number;
  /** late: its event time, and the watermark it missed. */
  timeMs: number;
  watermarkMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestampMs: number;
  offset: number;
}

interface FoldKernels {
  pipelineFold(ctl: number): number;
  pipelineKeyPut(ctl: number, ptr: number, length: number, id: number): number;
  pipelineWindowPut(ctl: number, partition: number, start: number, keyId: number, slot: number): number;
}

/** Regions the core never frees, kept for the next folder once one is disposed. */
const spare = new Map<number, number[]>();

function take(wasm: WasmCore, bytes: number): number {
  const ptr = spare.get(bytes)?.pop();
  return ptr ?? wasm.alloc(bytes);
}

function give(bytes: number, ptr: number): void {
  if (!spare.has(bytes)) spare.set(bytes, []);
  spare.get(bytes)!.push(ptr);
}

/** A sized region owned by one folder. */
interface Owned {
  ptr: number;
  bytes: number;
}

/** Calls `put` for every open (partition, window start, key id) → slot of the caller's. */
export type OpenWindows = (put: (partition: number, startMs: number, keyId: number, slot: number) => void) => void;

/** A list row (LIST_F64S f64s) → a record, its key and value copied out of wasm memory. */
function listedRecord(memory: Uint8Array, records: number, header: BatchHeader, row: Float64Array): ListedRecord {
  const bytes = (at: number, length: number) => (length < 0 ? null : memory.slice(records + at, records + at + length));
  return {
    index: row[0], what: row[1], detail: row[2], errorPosition: row[3], timeMs: row[4], watermarkMs: row[5],
    key: bytes(row[6], row[7]), value: bytes(row[8], row[9]), timestampMs: row[10], offset: header.baseOffset + row[11],
  };
}

export class BatchFolder {
  readonly #core: WasmCore;
  readonly #kernels: FoldKernels;
  readonly #acc: WindowAccumulators;
  readonly #regions = new Map<string, Owned>();
  #header: BatchHeader | null = null;
  #disposed = false;
  #controlPtr = 0;

  /** The caller's open windows: what the window cache is rebuilt from when it fills up. */
  readonly #openWindows: OpenWindows;

  constructor(spec: FoldSpec, accumulators: WindowAccumulators, openWindows: OpenWindows) {
    this.#openWindows = openWindows;
    const extractor = new JsonFieldExtractor(spec.paths, { format: spec.format });
    this.#core = core();
    this.#kernels = this.#core.exports as unknown as FoldKernels;
    this.#acc = accumulators;
    const { table, names } = extractor.compiled;
    const pathCount = spec.paths.length;
    this.#controlPtr = this.#region("control", CONTROL_F64S * 8);
    const tablePtr = this.#region("paths", table.length * 4 + names.length);
    this.#region("cells", pathCount * CELL_BYTES + 8);
    this.#region("decimal", DECIMAL_BYTES);
    const memory = this.#core.bytes;
    new Int32Array(memory.buffer, tablePtr, table.length).set(table);
    memory.set(names, tablePtr + table.length * 4);
    const c = this.#ctl;
    c.fill(0);
    c[C.format] = spec.format === "msgpack" ? 1 : 0;
    c[C.pathTable] = tablePtr;
    c[C.pathCount] = pathCount;
    c[C.names] = tablePtr + table.length * 4;
    c[C.namesLength] = names.length;
    c[C.keyPath] = spec.keyPath;
    c[C.keyLevel] = spec.keyLevel;
    if (spec.filter !== undefined) {
      const filter = new TextEncoder().encode(spec.filter);
      const filterPtr = this.#region("filter", filter.length);
      this.#core.bytes.set(filter, filterPtr);
      c[C.filter] = filterPtr;
      c[C.filterLength] = filter.length;
    }
    c[C.timePath] = spec.timePath;
    c[C.fieldPath0] = spec.fieldPath0;
    c[C.fieldCount] = spec.fieldCount;
    c[C.size] = spec.sizeMs;
    c[C.advance] = spec.advanceMs;
    c[C.grace] = spec.graceMs;
    c[C.cells] = this.#regions.get("cells")!.ptr;
    c[C.decimal] = this.#regions.get("decimal")!.ptr;
    this.#resetKeys(4096, 64 * 1024);
    this.#fillWindows();
  }

  #ctlView: Float64Array | null = null;

  /** The control block, re-viewed after memory grows. */
  get #ctl(): Float64Array {
    const buffer = this.#core.exports.memory.buffer;
    if (this.#ctlView === null || this.#ctlView.buffer !== buffer) this.#ctlView = new Float64Array(buffer, this.#controlPtr, CONTROL_F64S);
    return this.#ctlView;
  }

  /** Checks a stored batch and starts folding it for source partition `partition`, whose largest event time is `maxTimeMs`. */
  begin(batch: Uint8Array, partition: number, maxTimeMs: number): BatchHeader {
    if (this.#disposed) throw new Error("a disposed BatchFolder was used (a ledge bug)");
    const { header, ptr, length } = loadCheckedRecords(batch);
    this.#header = header;
    const n = header.recordCount;
    const unescaped = this.#region("unescaped", Math.max(length, 64));
    const list = this.#region("list", Math.max(n, 1) * LIST_F64S * 8);
    const c = this.#ctl;
    c[C.records] = ptr;
    c[C.recordsLength] = length;
    c[C.recordCount] = n;
    c[C.baseTimestamp] = header.baseTimestampMs;
    c[C.appendTime] = header.logAppendTime ? 1 : 0;
    c[C.maxTimestamp] = header.maxTimestampMs;
    c[C.partition] = partition;
    c[C.unescaped] = unescaped;
    c[C.unescapedCapacity] = this.#regions.get("unescaped")!.bytes;
    c[C.list] = list;
    c[C.listCapacity] = n;
    c[C.listCount] = 0;
    c[C.nextRecord] = 0;
    c[C.cursor] = ptr;
    c[C.maxTime] = maxTimeMs;
    c[C.events] = 0;
    return header;
  }

  /** Folds until the batch is done or the kernel needs the caller (FoldStop). */
  run(): number {
    const { state, slotCount, sketches } = this.#acc.regions;
    const c = this.#ctl;
    c[C.state] = state;
    c[C.slotCount] = slotCount;
    c[C.sketches] = sketches;
    return checkStatus(this.#kernels.pipelineFold(this.#controlPtr), "folding a stored batch into windows");
  }

  /** The record the kernel stopped at, its event time, and (at newWindows) its key id. */
  get record(): number {
    return this.#ctl[C.nextRecord];
  }

  get timeMs(): number {
    return this.#ctl[C.stopTime];
  }

  get keyId(): number {
    return this.#ctl[C.stopKeyId];
  }

  /** The largest event time of the partition so far (the caller may raise it for a record it skips). */
  get maxTimeMs(): number {
    return this.#ctl[C.maxTime];
  }

  /** Records folded into windows by this batch. */
  get events(): number {
    return this.#ctl[C.events];
  }

  /** At newKey: the group key's bytes (a view, valid until the next call). */
  keyBytes(): Uint8Array {
    const c = this.#ctl;
    return this.#core.bytes.subarray(c[C.stopKeyAt], c[C.stopKeyAt] + c[C.stopKeyLength]);
  }

  /** At newKey: the caller's id for that key; the kernel resumes at the same record. */
  putKey(id: number): void {
    let c = this.#ctl;
    const length = c[C.stopKeyLength];
    if ((c[C.keyCount] + 1) * 2 > c[C.keySlotCapacity] || c[C.keyArenaUsed] + length > c[C.keyArenaCapacity]) {
      // Full: a larger, empty cache (known keys come back through newKey).
      const bytes = this.keyBytes().slice();
      this.#resetKeys(c[C.keySlotCapacity] * 2, Math.max(c[C.keyArenaCapacity] * 2, length * 4));
      c = this.#ctl;
      const scratch = this.#regions.get("decimal")!;
      if (bytes.length <= scratch.bytes) {
        this.#core.bytes.set(bytes, scratch.ptr);
        c[C.stopKeyAt] = scratch.ptr;
      } else {
        c[C.stopKeyAt] = this.#region("key", bytes.length);
        this.#core.bytes.set(bytes, c[C.stopKeyAt]);
      }
    }
    checkStatus(this.#kernels.pipelineKeyPut(this.#controlPtr, c[C.stopKeyAt], length, id), "caching a group key");
  }

  /** At newWindows: the slot of window `startMs` of key `keyId` in this batch's partition. */
  putWindow(startMs: number, keyId: number, slot: number): void {
    const c = this.#ctl;
    // Full: mostly of windows that closed. Start over with the open ones, this one among them.
    if ((c[C.windowCount] + 1) * 2 > c[C.windowSlotCapacity]) return this.#fillWindows();
    checkStatus(this.#kernels.pipelineWindowPut(this.#controlPtr, c[C.partition], startMs, keyId, slot), "caching a window slot");
  }

  /**
   * Sets aside free slots (the caller's: allocated, empty) for the kernel to open missing windows
   * with, at most `room` of them, instead of stopping for each. Replaces any earlier offer.
   */
  offerSlots(slots: readonly number[], room: number): void {
    const n = slots.length;
    const free = this.#region("freeSlots", Math.max(n, 1) * 4);
    const opened = this.#region("opened", Math.max(n, 1) * 24);
    new Int32Array(this.#core.exports.memory.buffer, free, n).set(slots);
    const c = this.#ctl;
    c[C.freeSlots] = free;
    c[C.freeCount] = n;
    c[C.openRoom] = Math.max(0, room);
    c[C.opened] = opened;
    c[C.openedCount] = 0;
  }

  /** Windows the kernel opened since the offer, in order: `adopt` each. Returns how many offered slots are left (the first ones). */
  takeOpened(adopt: (startMs: number, keyId: number, slot: number) => void): number {
    const c = this.#ctl;
    const n = c[C.openedCount];
    if (n > 0) {
      const rows = new Float64Array(this.#core.exports.memory.buffer, c[C.opened], n * 3);
      for (let i = 0; i < n * 3; i += 3) adopt(rows[i], rows[i + 1], rows[i + 2]);
      c[C.openedCount] = 0;
    }
    return c[C.freeCount];
  }

  /** At newWindows: skips the record (the caller routed it), raising the partition's largest event time to `maxTimeMs`. */
  skip(maxTimeMs: number): void {
    const c = this.#ctl;
    c[C.cursor] = c[C.stopRecordEnd];
    c[C.nextRecord] += 1;
    c[C.maxTime] = maxTimeMs;
  }

  /** Records not folded, in batch order (after run() returned done). */
  listed(): ListedRecord[] {
    const c = this.#ctl;
    const n = c[C.listCount];
    const header = this.#header!;
    const memory = this.#core.bytes;
    const rows = new Float64Array(memory.buffer, c[C.list], n * LIST_F64S);
    const records = c[C.records];
    const out: ListedRecord[] = [];
    for (let r = 0; r < n; r++) out.push(listedRecord(memory, records, header, rows.subarray(r * LIST_F64S, (r + 1) * LIST_F64S)));
    return out;
  }

  /** At newWindows: the stopped record (to route it whole). */
  stoppedRecord(): ListedRecord {
    const c = this.#ctl;
    const row = new Float64Array(LIST_F64S);
    row.set([c[C.nextRecord], -1, 0, -1, c[C.stopTime], NaN]);
    row.set(c.subarray(C.stopRecord, C.stopRecord + 6), 6);
    return listedRecord(this.#core.bytes, c[C.records], this.#header!, row);
  }

  /** Gives the folder's wasm regions back for the next folder; it is dead after. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const r of this.#regions.values()) give(r.bytes, r.ptr);
    this.#regions.clear();
  }

  /** A region named `name` of at least `bytes` (power-of-two sizes, reused across folders). */
  #region(name: string, bytes: number): number {
    const have = this.#regions.get(name);
    if (have && have.bytes >= bytes) return have.ptr;
    let size = 64;
    while (size < bytes) size *= 2;
    if (have) give(have.bytes, have.ptr);
    const ptr = take(this.#core, size);
    this.#regions.set(name, { ptr, bytes: size });
    return ptr;
  }

  #resetKeys(capacity: number, arenaBytes: number): void {
    const slots = this.#region("keySlots", capacity * KEY_ROW_BYTES);
    const arena = this.#region("keyArena", arenaBytes);
    this.#core.bytes.fill(0, slots, slots + capacity * KEY_ROW_BYTES);
    const c = this.#ctl;
    c[C.keySlots] = slots;
    c[C.keySlotCapacity] = capacity;
    c[C.keyArena] = arena;
    c[C.keyArenaCapacity] = this.#regions.get("keyArena")!.bytes;
    c[C.keyArenaUsed] = 0;
    c[C.keyCount] = 0;
  }

  /**
   * Empties the window cache and puts every open window in it, so that it holds all of them
   * (the kernel opens a window it does not find): at most a quarter full, at least 4,096 rows.
   */
  #fillWindows(): void {
    const open: number[] = [];
    this.#openWindows((partition, startMs, keyId, slot) => open.push(partition, startMs, keyId, slot));
    const windows = open.length / 4;
    let capacity = 4096;
    while (capacity < 4 * windows) capacity *= 2;
    this.#resetWindows(capacity);
    for (let i = 0; i < open.length; i += 4) {
      checkStatus(this.#kernels.pipelineWindowPut(this.#controlPtr, open[i], open[i + 1], open[i + 2], open[i + 3]), "caching a window slot");
    }
  }

  #resetWindows(capacity: number): void {
    const rows = this.#region("windowSlots", capacity * WINDOW_ROW_BYTES);
    this.#core.bytes.fill(0, rows, rows + capacity * WINDOW_ROW_BYTES);
    const c = this.#ctl;
    c[C.windowSlots] = rows;
    c[C.windowSlotCapacity] = capacity;
    c[C.windowCount] = 0;
  }
}
