// Count windows: per key and source partition, every `size` records (in the partition's offset
// order, so a replay after a crash cuts the same windows) form one window, emitted as soon as it
// is full. Its start and end are the smallest and largest event time of its records (its `first`
// and `last` records by event time; with records out of order the first by offset may be later),
// and its timestamp is the end. No record is late: a count window is never closed by time, so the
// watermark (the largest event time, no grace) is kept only for the watermark-lag metric. A
// partly filled window waits for its key's next records, however long; openWindowCountMax bounds
// how many keys may have one per partition.
import type { PipelineConfig } from "../config/pipelines.ts";
import type { BatchFields } from "./batch-fields.ts";
import { boundReason, byKeyIds, remapByKey, smallestWatermark, totalOver, partitionState, type EngineCheckpoint, type WindowHost, type WindowKind } from "./window-kind.ts";

interface CountWindow {
  slot: number;
  count: number;
  startMs: number;
  endMs: number;
}

interface PartitionCounts {
  maxTimeMs: number;
  /** Per key: its window being filled. */
  byKey: Map<number, CountWindow>;
  /** Windows filled by the current batch, in the order they filled: written and freed at closeDue. */
  full: Array<[number, CountWindow]>;
}

export class CountWindows implements WindowKind {
  readonly #config: PipelineConfig;
  readonly #size: number;
  #partitions = new Map<number, PartitionCounts>();
  /** emit: update — windows the current batch changed, by slot, in the order of their first change. */
  #changed = new Map<number, [number, number, CountWindow]>();

  constructor(config: PipelineConfig) {
    if (config.window.type !== "count") throw new RangeError(`count windows, not ${config.window.type}`);
    this.#config = config;
    this.#size = config.window.recordCount;
  }

  get watermarkMs(): number {
    return smallestWatermark(this.#partitions, 0);
  }

  get openCount(): number {
    return totalOver(this.#partitions, (pc) => pc.byKey.size);
  }

  assign(partition: number, bf: BatchFields, host: WindowHost): void {
    const pc = this.#state(partition);
    for (let i = 0; i < bf.count; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      if (t > pc.maxTimeMs) pc.maxTimeMs = t;
      let w = pc.byKey.get(keyId);
      if (w === undefined) {
        if (pc.byKey.size >= this.#config.openWindowCountMax) {
          host.dlq(bf, partition, i, boundReason(this.#config, partition, "a smaller size"));
          continue;
        }
        pc.byKey.set(keyId, (w = { slot: host.acc.allocate(), count: 0, startMs: t, endMs: t }));
      }
      host.feed(w.slot, i);
      w.count++;
      if (t < w.startMs) w.startMs = t;
      if (t > w.endMs) w.endMs = t;
      if (host.updates) this.#changed.set(w.slot, [partition, keyId, w]);
      if (w.count === this.#size) {
        pc.full.push([keyId, w]);
        pc.byKey.delete(keyId);
      }
      host.counts.events++;
    }
  }

  emitChanged(host: WindowHost): void {
    for (const [partition, keyId, w] of this.#changed.values()) host.result(partition, keyId, w.startMs, w.endMs, w.slot);
    this.#changed.clear();
  }

  /** The windows that filled since the last call, by partition, in the order they filled. */
  closeDue(host: WindowHost): void {
    for (const [partition, pc] of [...this.#partitions].sort((a, b) => a[0] - b[0])) {
      for (const [keyId, w] of pc.full) {
        if (!host.updates) host.result(partition, keyId, w.startMs, w.endMs, w.slot);
        host.acc.release(w.slot);
      }
      pc.full.length = 0;
    }
  }

  keyIds(): Iterable<number> {
    return byKeyIds(this.#partitions);
  }

  remapKeys(to: (keyId: number) => number): void {
    remapByKey(this.#partitions, to);
  }

  checkpoint(host: WindowHost): EngineCheckpoint {
    const windows: EngineCheckpoint["windows"] = [];
    for (const [partition, pc] of this.#partitions) {
      for (const [keyId, w] of pc.byKey) windows.push([partition, w.startMs, host.keyBytes(keyId).slice(), host.acc.serialize(w.slot), w.endMs]);
    }
    return { partitions: [...this.#partitions].map(([p, s]) => [p, s.maxTimeMs]), windows };
  }

  restore(c: EngineCheckpoint, host: WindowHost): void {
    for (const [p, t] of c.partitions) this.#state(p).maxTimeMs = t;
    for (const [p, startMs, key, bytes, endMs] of c.windows) {
      const slot = host.acc.restore(bytes);
      this.#state(p).byKey.set(host.internKey(key), { slot, count: host.acc.read(slot)[0], startMs, endMs: endMs! });
    }
  }

  #state(partition: number): PartitionCounts {
    return partitionState(this.#partitions, partition, () => ({ maxTimeMs: -Infinity, byKey: new Map(), full: [] }));
  }
}
