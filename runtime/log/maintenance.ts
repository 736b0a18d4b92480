// When retention and compaction run, and the bridge's protected offsets they respect. They run
// as the first step of a commit-queue transaction (maintain), asked for by a timer, by enough
// appended bytes, by applyRetention(), or by a changed protected offset. What they delete is
// retention.ts's and compaction.ts's job; this file only schedules and budgets them.
import type { LogContext } from "./context.ts";
import type { GroupCommit } from "./commit-queue.ts";
import { LogError } from "./errors.ts";
import { compactPartition } from "./compaction.ts";
import { PRODUCER_CACHE_COUNT_MAX, type Partition } from "./partition.ts";
import { retainPartition, trimTimeIndex } from "./retention.ts";
import type { Txn } from "./txn.ts";

const MiB = 2 ** 20;
/** Batches retention deletes per transaction; the rest wait for the next one. */
const RETENTION_BATCHES_PER_TXN = 20_000;
const RETENTION_CHECK_INTERVAL_MS = 60_000;

export class Maintenance {
  readonly #ctx: LogContext;
  readonly #commit: GroupCommit;
  readonly #timer: NodeJS.Timeout;
  #retentionDue = false;
  #bytesSinceRetention = 0;
  readonly #compactedUpTo = new WeakMap<Partition, number>();
  /** Partitions whose protected offset changed since the last transaction. */
  readonly #protectedChanged = new Set<Partition>();
  /** Per partition, each holder's protected offset (the bridge, MQTT sessions): the partition
   * keeps the lowest. */
  readonly #holders = new WeakMap<Partition, Map<string, number>>();

  constructor(ctx: LogContext, commit: GroupCommit) {
    this.#ctx = ctx;
    this.#commit = commit;
    this.#timer = setInterval(() => this.request(), ctx.options.retentionCheckIntervalMs ?? RETENTION_CHECK_INTERVAL_MS).unref();
  }

  /** Retention is due: the next transaction must not overlap another (it reads committed data). */
  get due(): boolean {
    return this.#retentionDue;
  }

  request(): void {
    if (this.#ctx.closed) return;
    this.#retentionDue = true;
    this.#commit.requestMaintenance();
  }

  /** Counts appended bytes; asks for retention after 1% of storage.maxBytes (at least 64 MiB). */
  noteAppended(bytes: number): void {
    this.#bytesSinceRetention += bytes;
    if (this.#bytesSinceRetention > Math.max(64 * MiB, this.#ctx.options.storage.maxBytes / 100)) this.request();
  }

  /**
   * `holder`'s "protected from" (the bridge's, MQTT persistent sessions'): retention keeps
   * offsets >= the lowest holder's (unless the storage cap forces it); -1 protects nothing.
   * Persisted with the next commit; resolves once durable.
   */
  async setProtectedOffset(p: Partition, offset: number, holder: string): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < -1) {
      throw new LogError("LEDGE_ERR_OFFSET_OUT_OF_RANGE", `protected offset ${offset} for ${p.topic.name}/${p.index} is not an offset (or -1 for none)`);
    }
    let holders = this.#holders.get(p);
    if (!holders) this.#holders.set(p, (holders = new Map()));
    if (offset === -1) holders.delete(holder);
    else holders.set(holder, offset);
    let lowest = -1;
    for (const o of holders.values()) if (lowest === -1 || o < lowest) lowest = o;
    if (p.protectedOffset === lowest) return;
    p.protectedOffset = lowest;
    this.#protectedChanged.add(p);
    this.#commit.requestMaintenance();
    await this.#commit.drain();
  }

  /** Runs retention now; resolves when done. */
  async applyNow(): Promise<void> {
    this.request();
    await this.#commit.drain();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The commit queue's first step in every transaction. */
  maintain(txn: Txn): void {
    for (const p of this.#protectedChanged) if (!p.topic.deleted) txn.touch(p);
    this.#protectedChanged.clear();
    if (!this.#retentionDue) return;
    this.#retentionDue = false;
    this.#bytesSinceRetention = 0;
    const now = Date.now();
    let budget = RETENTION_BATCHES_PER_TXN;
    for (const t of this.#ctx.topics.values()) {
      for (const p of t.partitions) {
        // Every earlier transaction has committed, so evicted entries reload intact.
        while (p.producers.size > PRODUCER_CACHE_COUNT_MAX) p.producers.delete(p.producers.keys().next().value as number);
        const removed = retainPartition(this.#ctx.tables, txn, p, now, budget);
        budget -= removed;
        this.#ctx.counters.retainedOutBatches.inc(removed);
        if (removed > 0) trimTimeIndex(this.#ctx.tables, txn, p, RETENTION_BATCHES_PER_TXN);
        if (t.settings.cleanupPolicy !== "delete") this.#compact(txn, p, now);
        if (budget <= 0) {
          this.request(); // more to do in the next transaction
          return;
        }
      }
    }
  }

  /** Compacts a partition when it got new data since its last pass. */
  #compact(txn: Txn, p: Partition, nowMs: number): void {
    if (this.#compactedUpTo.get(p) === p.highWatermark) return;
    this.#compactedUpTo.set(p, p.highWatermark);
    let outcome;
    try {
      outcome = compactPartition(this.#ctx.tables, txn, p, nowMs);
    } catch (err) {
      this.#ctx.logger.error(`compaction of ${p.topic.name}/${p.index} failed and left it as it was: ${(err as Error).message}; it is retried after new appends`);
      return;
    }
    this.#ctx.counters.compactedRecords.inc(outcome.recordsRemoved);
    if (outcome.skipped) this.#ctx.logger.warn(`compaction of ${p.topic.name}/${p.index} skipped: ${outcome.skipped}; use fewer distinct keys or cleanup.policy=delete`);
  }
}
