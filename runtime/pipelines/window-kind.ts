// What every window type (tumbling/hopping, session, count, sliding) does for the window engine,
// and what the engine offers it back. A window type decides which open window each record feeds
// (host-side bookkeeping, a few typed-array writes per record), when a window closes, and what its
// checkpoint holds; the engine owns the accumulators in wasm, the group keys and the outputs.
import type { WindowAccumulators } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import type { BatchFields } from "./batch-fields.ts";

export interface EngineCounts {
  events: number;
  windowsEmitted: number;
  late: number;
  dlq: number;
}

/** One open window in a checkpoint: [source partition, start, group key bytes, WindowAccumulators.serialize bytes, type-specific number]. */
export type WindowEntry = [number, number, Uint8Array, Uint8Array, number?];

/** Sliding windows' retained records of one key: [source partition, group key bytes, records as f64s, open window ends as f64s]. */
export type SeriesEntry = [number, Uint8Array, Uint8Array, Uint8Array];

/** What a checkpoint holds of the engine: partition watermarks and open windows. */
export interface EngineCheckpoint {
  /** [partition, largest event time seen]. */
  partitions: Array<[number, number]>;
  windows: WindowEntry[];
  /** Sliding windows only. */
  series?: SeriesEntry[];
}

/** The engine, as a window type sees it while it handles one batch or closes windows. */
export interface WindowHost {
  readonly config: PipelineConfig;
  readonly acc: WindowAccumulators;
  readonly counts: EngineCounts;
  /** emit: update — results go out on every change, and nothing more at close. */
  readonly updates: boolean;
  /** Queues record `record` of the current batch to be folded into `slot`. */
  feed(slot: number, record: number): void;
  /** Folds the queued records now (before a slot they name is merged away or released). */
  flush(): void;
  late(bf: BatchFields, partition: number, record: number, reason: string): void;
  dlq(bf: BatchFields, partition: number, record: number, reason: string): void;
  /** Writes one window's result from `slot` (the slot stays the caller's). */
  result(partition: number, keyId: number, startMs: number, endMs: number, slot: number): void;
  /** Key order for emission: by the keys' strings (stable across runs and key-table rebuilds). */
  compareKeys(a: number, b: number): number;
  /** Sorts key ids into that order (faster than sorting with compareKeys). */
  sortKeys(ids: number[]): void;
  keyBytes(keyId: number): Uint8Array;
  internKey(bytes: Uint8Array): number;
}

export interface WindowKind {
  /** Assigns the batch's records (keyId >= 0) of source partition `partition` to windows through host.feed. */
  assign(partition: number, bf: BatchFields, host: WindowHost): void;
  /** emit: update — writes the current result of every window the last batch changed, once each. */
  emitChanged(host: WindowHost): void;
  /** Closes the windows that are due: writes their results (emit: final) and frees them. */
  closeDue(host: WindowHost): void;
  /** The smallest partition watermark (−Infinity before any record). */
  readonly watermarkMs: number;
  /** Open windows. */
  readonly openCount: number;
  /** Key ids held, for rebuilding the key table. */
  keyIds(): Iterable<number>;
  /** Renames key ids after the key table is rebuilt. */
  remapKeys(to: (keyId: number) => number): void;
  checkpoint(host: WindowHost): EngineCheckpoint;
  restore(c: EngineCheckpoint, host: WindowHost): void;
}

/** "late: ..." reason of a record whose windows closed. */
export function lateReason(timeMs: number, watermarkMs: number, what: string): string {
  return `late: event time ${timeMs} ${what} at watermark ${watermarkMs}`;
}

/** The smallest partition watermark (largest event time − grace), −Infinity before any record. */
export function smallestWatermark(partitions: Map<number, { maxTimeMs: number }>, graceMs: number): number {
  let min = Infinity;
  for (const s of partitions.values()) min = Math.min(min, s.maxTimeMs - graceMs);
  return min === Infinity ? -Infinity : min;
}

/** The sum of `count` over the partitions' states. */
export function totalOver<T>(partitions: Map<number, T>, count: (state: T) => number): number {
  let n = 0;
  for (const s of partitions.values()) n += count(s);
  return n;
}

/** The key ids held in partition states that keep their windows in one `byKey` map each. */
export function* byKeyIds(partitions: Map<number, { byKey: Map<number, unknown> }>): Iterable<number> {
  for (const s of partitions.values()) yield* s.byKey.keys();
}

/** Renumbers the keys of those `byKey` maps (the engine compacted its key table). */
export function remapByKey(partitions: Map<number, { byKey: Map<number, unknown> }>, to: (keyId: number) => number): void {
  for (const s of partitions.values()) s.byKey = new Map([...s.byKey].map(([k, v]) => [to(k), v]));
}

/** A key map per source partition, created on first use. */
export function partitionState<T>(map: Map<number, T>, partition: number, make: () => T): T {
  let s = map.get(partition);
  if (!s) map.set(partition, (s = make()));
  return s;
}

export function boundReason(config: PipelineConfig, partition: number, what: string): string {
  return `the pipeline already holds openWindowCountMax (${config.openWindowCountMax}) open windows for source partition ${partition}; raise it, or use fewer keys or ${what}`;
}
