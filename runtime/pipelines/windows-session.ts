// Session windows: per key, records less than `gap` apart in event time form one session; a record
// that falls within gap of two sessions (out of order, within grace) merges them (accumulators
// merge in wasm: sums, extremes, first/last by time, Welford by Chan's formula, sketches). A
// session [first, last] closes when its partition's watermark reaches last + gap, and its result
// covers [first, last + gap): start = first event time, end = last event time + gap = the event
// time at which it closed, so that every window type's end is the exclusive bound its timestamp
// carries, and a one-record session is not empty.
//
// A record is late when its event time is below its partition's watermark (more than grace behind
// the largest event time seen). That is stricter than "its session would still be open", and it is
// what guarantees that an on-time record never touches a session already emitted: a closed
// session ends (last + gap) at or before the watermark. Kafka Streams' looser rule can emit a
// session and later a merged one that overlaps it.
import type { PipelineConfig } from "../config/pipelines.ts";
import type { BatchFields } from "./batch-fields.ts";
import { boundReason, byKeyIds, remapByKey, smallestWatermark, totalOver, lateReason, partitionState, type EngineCheckpoint, type WindowHost, type WindowKind } from "./window-kind.ts";

interface Session {
  firstMs: number;
  lastMs: number;
  slot: number;
}

interface PartitionSessions {
  maxTimeMs: number;
  openCount: number;
  /** A lower bound of the open sessions' ends (last + gap): no close is due below it. */
  endMinMs: number;
  /** Per key: open sessions, ordered by first, disjoint and at least gap apart. */
  byKey: Map<number, Session[]>;
}

export class SessionWindows implements WindowKind {
  readonly #config: PipelineConfig;
  readonly #gapMs: number;
  readonly #graceMs: number;
  #partitions = new Map<number, PartitionSessions>();
  /** emit: update — sessions the current batch changed, by slot. */
  #changed = new Map<number, [number, number, Session]>();

  constructor(config: PipelineConfig) {
    if (config.window.type !== "session") throw new RangeError(`session windows, not ${config.window.type}`);
    this.#config = config;
    this.#gapMs = config.window.gapMs;
    this.#graceMs = config.window.graceMs;
  }

  get watermarkMs(): number {
    return smallestWatermark(this.#partitions, this.#graceMs);
  }

  get openCount(): number {
    return totalOver(this.#partitions, (ps) => ps.openCount);
  }

  assign(partition: number, bf: BatchFields, host: WindowHost): void {
    const ps = this.#state(partition);
    const gap = this.#gapMs;
    for (let i = 0; i < bf.count; i++) {
      const keyId = bf.keyId[i];
      if (keyId < 0) continue;
      const t = bf.timeMs[i];
      const watermark = ps.maxTimeMs - this.#graceMs;
      if (t < watermark) {
        host.late(bf, partition, i, lateReason(t, watermark, "is below the watermark (a session window's records may be at most grace behind the largest event time)"));
        continue;
      }
      const list = partitionState(ps.byKey, keyId, () => [] as Session[]);
      // The sessions within gap of t: a run of at most two (open sessions are at least gap apart).
      let at = 0;
      while (at < list.length && list[at].lastMs + gap <= t) at++;
      let session: Session;
      if (at < list.length && list[at].firstMs - gap < t) {
        session = list[at];
        if (at + 1 < list.length && list[at + 1].firstMs - gap < t) this.#merge(host, ps, list, at);
        session.firstMs = Math.min(session.firstMs, t);
        session.lastMs = Math.max(session.lastMs, t);
      } else {
        if (ps.openCount >= this.#config.openWindowCountMax) {
          if (list.length === 0) ps.byKey.delete(keyId);
          if (t > ps.maxTimeMs) ps.maxTimeMs = t;
          host.dlq(bf, partition, i, boundReason(this.#config, partition, "a shorter gap"));
          continue;
        }
        session = { firstMs: t, lastMs: t, slot: host.acc.allocate() };
        list.splice(at, 0, session);
        ps.openCount++;
        ps.endMinMs = Math.min(ps.endMinMs, t + gap);
      }
      host.feed(session.slot, i);
      if (host.updates) this.#changed.set(session.slot, [partition, keyId, session]);
      host.counts.events++;
      if (t > ps.maxTimeMs) ps.maxTimeMs = t;
    }
  }

  emitChanged(host: WindowHost): void {
    const changed = [...this.#changed.values()].sort(([, ka, a], [, kb, b]) => a.lastMs - b.lastMs || a.firstMs - b.firstMs || host.compareKeys(ka, kb));
    this.#changed.clear();
    for (const [partition, keyId, s] of changed) host.result(partition, keyId, s.firstMs, s.lastMs + this.#gapMs, s.slot);
  }

  /** Sessions whose end (last + gap) the watermark has reached: by partition, then end, start and key. */
  closeDue(host: WindowHost): void {
    for (const [partition, ps] of [...this.#partitions].sort((a, b) => a[0] - b[0])) {
      const watermark = ps.maxTimeMs - this.#graceMs;
      if (watermark < ps.endMinMs) continue;
      const due: Array<[number, Session]> = [];
      let endMin = Infinity;
      for (const [keyId, list] of ps.byKey) {
        let closing = 0;
        while (closing < list.length && list[closing].lastMs + this.#gapMs <= watermark) due.push([keyId, list[closing++]]);
        if (closing === list.length) ps.byKey.delete(keyId);
        else {
          list.splice(0, closing);
          for (const s of list) endMin = Math.min(endMin, s.lastMs + this.#gapMs);
        }
      }
      ps.endMinMs = endMin;
      due.sort(([ka, a], [kb, b]) => a.lastMs - b.lastMs || a.firstMs - b.firstMs || host.compareKeys(ka, kb));
      for (const [keyId, s] of due) {
        if (!host.updates) host.result(partition, keyId, s.firstMs, s.lastMs + this.#gapMs, s.slot);
        host.acc.release(s.slot);
      }
      ps.openCount -= due.length;
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
    for (const [partition, ps] of this.#partitions) {
      for (const [keyId, list] of ps.byKey) {
        for (const s of list) windows.push([partition, s.firstMs, host.keyBytes(keyId).slice(), host.acc.serialize(s.slot), s.lastMs]);
      }
    }
    return { partitions: [...this.#partitions].map(([p, s]) => [p, s.maxTimeMs]), windows };
  }

  restore(c: EngineCheckpoint, host: WindowHost): void {
    for (const [p, t] of c.partitions) this.#state(p).maxTimeMs = t;
    for (const [p, firstMs, key, bytes, lastMs] of c.windows) {
      const ps = this.#state(p);
      partitionState(ps.byKey, host.internKey(key), () => [] as Session[]).push({ firstMs, lastMs: lastMs!, slot: host.acc.restore(bytes) });
      ps.openCount++;
      ps.endMinMs = Math.min(ps.endMinMs, lastMs! + this.#gapMs);
    }
    for (const ps of this.#partitions.values()) for (const list of ps.byKey.values()) list.sort((a, b) => a.firstMs - b.firstMs);
  }

  #state(partition: number): PartitionSessions {
    return partitionState(this.#partitions, partition, () => ({ maxTimeMs: -Infinity, openCount: 0, endMinMs: Infinity, byKey: new Map() }));
  }

  /** Merges session at + 1 into session at (a record bridged them). */
  #merge(host: WindowHost, ps: PartitionSessions, list: Session[], at: number): void {
    const into = list[at];
    const from = list[at + 1];
    // Records queued for `from` must be in it before it is merged and its slot reused.
    host.flush();
    host.acc.merge(into.slot, from.slot);
    host.acc.release(from.slot);
    this.#changed.delete(from.slot);
    into.lastMs = Math.max(into.lastMs, from.lastMs);
    list.splice(at + 1, 1);
    ps.openCount--;
  }
}
