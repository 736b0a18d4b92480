// Tumbling and hopping windows: [s, s + size) with s aligned to the epoch in steps of advance
// (= size for tumbling). A record is late when every window it falls in ends at or before its
// partition's watermark; a window closes when the watermark reaches its end.
import type { PipelineConfig } from "../config/pipelines.ts";
import type { BatchFields } from "./batch-fields.ts";
import { boundReason, smallestWatermark, totalOver, lateReason, partitionState, type EngineCheckpoint, type WindowHost, type WindowKind } from "./window-kind.ts";

interface PartitionWindows {
  maxTimeMs: number;
  /** Open (window, key) pairs, bounded by openWindowCountMax. */
  openCount: number;
  /** Open windows: start → (key id → slot). */
  open: Map<number, Map<number, number>>;
}

export class AlignedWindows implements WindowKind {
  readonly #config: PipelineConfig;
  readonly #sizeMs: number;
  readonly #advanceMs: number;
  readonly #graceMs: number;
  #partitions = new Map<number, PartitionWindows>();
  /** emit: update — slots the current batch fed: slot → [partition, start, key id]. */
  #changed = new Map<number, [number, number, number]>();
  #lastOpen: Map<number, Map<number, number>> | undefined;
  #lastStart = NaN;
  #lastByKey: Map<number, number> | undefined;

  constructor(config: PipelineConfig) {
    const w = config.window;
    if (w.type !== "tumbling" && w.type !== "hopping") throw new RangeError(`aligned windows are tumbling or hopping, not ${w.type}`);
    this.#config = config;
    this.#sizeMs = w.sizeMs;
    this.#advanceMs = w.type === "hopping" ? w.advanceMs : w.sizeMs;
    this.#graceMs = w.graceMs;
  }

  get watermarkMs(): number {
    return smallestWatermark(this.#partitions, this.#graceMs);
  }

  get openCount(): number {
    return totalOver(this.#partitions, (pw) => pw.openCount);
  }

  assign(partition: number, bf: BatchFields, host: WindowHost): void {
    const n = bf.count;
    const pw = this.#state(partition);
    let maxMs = pw.maxTimeMs;
    for (let i = 0; i < n; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      const watermark = maxMs - this.#graceMs;
      // Windows [s, s + size) with s aligned to advance and s <= t < s + size, oldest first.
      const last = Math.floor(t / this.#advanceMs) * this.#advanceMs;
      const first = last - this.#sizeMs + this.#advanceMs;
      if (this.#overBound(pw, first, last, keyId, watermark)) {
        // Past the bound: the record goes whole to the dead-letter topic, in none of its windows.
        // Its time still moves the watermark, so windows close and make room again.
        if (t > maxMs) maxMs = t;
        host.dlq(bf, partition, i, boundReason(this.#config, partition, "shorter windows"));
        continue;
      }
      let placed = false;
      for (let s = first; s <= last; s += this.#advanceMs) {
        if (s + this.#sizeMs <= watermark) continue;
        const slot = this.#slotFor(pw, s, keyId, host);
        host.feed(slot, i);
        if (host.updates) this.#changed.set(slot, [partition, s, keyId]);
        placed = true;
      }
      if (!placed) {
        host.late(bf, partition, i, lateReason(t, watermark, "falls only in windows that closed"));
        continue;
      }
      host.counts.events++;
      if (t > maxMs) maxMs = t;
    }
    pw.maxTimeMs = maxMs;
  }

  // The fused kernel (window-engine.ts) folds records itself and asks for these.

  /** The largest event time partition `partition` has delivered. */
  maxTimeMs(partition: number): number {
    return this.#state(partition).maxTimeMs;
  }

  setMaxTimeMs(partition: number, timeMs: number): void {
    this.#state(partition).maxTimeMs = timeMs;
  }

  /**
   * Gives `put` the slot of each still-open window of a record at `timeMs` with key `keyId`
   * (opening missing ones), as assign() would; false when openWindowCountMax refuses the record.
   */
  open(partition: number, timeMs: number, keyId: number, maxTimeMs: number, host: WindowHost, put: (start: number, slot: number) => void): boolean {
    const pw = this.#state(partition);
    const watermark = maxTimeMs - this.#graceMs;
    const last = Math.floor(timeMs / this.#advanceMs) * this.#advanceMs;
    const first = last - this.#sizeMs + this.#advanceMs;
    if (this.#overBound(pw, first, last, keyId, watermark)) return false;
    for (let s = first; s <= last; s += this.#advanceMs) if (s + this.#sizeMs > watermark) put(s, this.#slotFor(pw, s, keyId, host));
    return true;
  }

  /** How many more windows partition `partition` may open under openWindowCountMax. */
  openRoom(partition: number): number {
    return this.#config.openWindowCountMax - this.#state(partition).openCount;
  }

  /** Takes window `start` of key `keyId` as open in slot `slot` (the fused kernel opened it). */
  adopt(partition: number, start: number, keyId: number, slot: number): void {
    const pw = this.#state(partition);
    partitionState(pw.open, start, () => new Map<number, number>()).set(keyId, slot);
    pw.openCount++;
  }

  /** Every open (partition, start, key id) → slot. */
  eachOpen(put: (partition: number, start: number, keyId: number, slot: number) => void): void {
    for (const [partition, pw] of this.#partitions) for (const [start, byKey] of pw.open) for (const [keyId, slot] of byKey) put(partition, start, keyId, slot);
  }

  emitChanged(host: WindowHost): void {
    const changed = [...this.#changed.entries()].sort(([, a], [, b]) => a[1] - b[1] || host.compareKeys(a[2], b[2]));
    this.#changed.clear();
    for (const [slot, [partition, start, keyId]] of changed) host.result(partition, keyId, start, start + this.#sizeMs, slot);
  }

  /** Every window whose end its partition's watermark has reached: by partition, oldest first, keys in order. */
  closeDue(host: WindowHost): void {
    let closed = false;
    for (const [partition, pw] of [...this.#partitions].sort((a, b) => a[0] - b[0])) {
      const watermark = pw.maxTimeMs - this.#graceMs;
      const due = [...pw.open.keys()].filter((s) => s + this.#sizeMs <= watermark).sort((a, b) => a - b);
      for (const start of due) {
        const byKey = pw.open.get(start)!;
        const ids = [...byKey.keys()];
        host.sortKeys(ids);
        for (const keyId of ids) {
          const slot = byKey.get(keyId)!;
          if (!host.updates) host.result(partition, keyId, start, start + this.#sizeMs, slot);
          host.acc.release(slot);
        }
        pw.openCount -= byKey.size;
        pw.open.delete(start);
        closed = true;
      }
    }
    if (closed) this.#lastByKey = undefined;
  }

  *keyIds(): Iterable<number> {
    for (const pw of this.#partitions.values()) for (const byKey of pw.open.values()) yield* byKey.keys();
  }

  remapKeys(to: (keyId: number) => number): void {
    for (const pw of this.#partitions.values()) {
      const open = new Map<number, Map<number, number>>();
      for (const [start, byKey] of pw.open) open.set(start, new Map([...byKey].map(([k, slot]) => [to(k), slot])));
      pw.open = open;
    }
    this.#lastByKey = undefined;
  }

  checkpoint(host: WindowHost): EngineCheckpoint {
    const windows: EngineCheckpoint["windows"] = [];
    for (const [partition, pw] of this.#partitions) {
      for (const [start, byKey] of pw.open) {
        for (const [keyId, slot] of byKey) windows.push([partition, start, host.keyBytes(keyId).slice(), host.acc.serialize(slot)]);
      }
    }
    return { partitions: [...this.#partitions].map(([p, w]) => [p, w.maxTimeMs]), windows };
  }

  restore(c: EngineCheckpoint, host: WindowHost): void {
    for (const [p, t] of c.partitions) this.#state(p).maxTimeMs = t;
    for (const [p, start, key, bytes] of c.windows) {
      const pw = this.#state(p);
      const byKey = partitionState(pw.open, start, () => new Map<number, number>());
      byKey.set(host.internKey(key), host.acc.restore(bytes));
      pw.openCount++;
    }
  }

  #state(partition: number): PartitionWindows {
    return partitionState(this.#partitions, partition, () => ({ maxTimeMs: -Infinity, openCount: 0, open: new Map() }));
  }

  #slotFor(pw: PartitionWindows, start: number, keyId: number, host: WindowHost): number {
    let byKey = this.#lastByKey;
    if (start !== this.#lastStart || pw.open !== this.#lastOpen || byKey === undefined) {
      byKey = partitionState(pw.open, start, () => new Map<number, number>());
      this.#lastOpen = pw.open;
      this.#lastStart = start;
      this.#lastByKey = byKey;
    }
    let slot = byKey.get(keyId);
    if (slot === undefined) {
      byKey.set(keyId, (slot = host.acc.allocate()));
      pw.openCount++;
    }
    return slot;
  }

  /** Whether opening the record's missing windows [first .. last] would pass openWindowCountMax. */
  #overBound(pw: PartitionWindows, first: number, last: number, keyId: number, watermark: number): boolean {
    const max = this.#config.openWindowCountMax;
    return pw.openCount + this.#sizeMs / this.#advanceMs > max && pw.openCount + this.#missing(pw, first, last, keyId, watermark) > max;
  }

  /** How many of the record's still-open windows [first .. last] would be new for this key. */
  #missing(pw: PartitionWindows, first: number, last: number, keyId: number, watermark: number): number {
    let n = 0;
    for (let s = first; s <= last; s += this.#advanceMs) {
      if (s + this.#sizeMs > watermark && pw.open.get(s)?.has(keyId) !== true) n++;
    }
    return n;
  }
}
