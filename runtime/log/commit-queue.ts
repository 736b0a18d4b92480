// Group commit: appends from every caller in one commit window share one LMDB transaction, and
// each caller's promise resolves only when that transaction is durable under storage.sync:
//   always   -> after `env.flushed` (lmdb-js resolves a write at commit, BEFORE its fsync);
//   interval -> at commit; a new commit waits for the fsync once the oldest unsynced commit is
//               older than syncIntervalMs, so an ack is never more than that from disk.
// One transaction is in flight at a time (the next window gathers meanwhile) and the queue is
// bounded in bytes: callers past the bound wait for room (backpressure, not growth).
import type { StorageConfig } from "../config/schema.ts";
import type { AppendResult } from "./types.ts";
import type { StoredBatchInfo } from "./batch-header.ts";
import type { Partition } from "./partition.ts";
import { Txn, type StorageAccount } from "./txn.ts";
import { commitOutcome, flushedNow, type LogTables } from "./lmdb-env.ts";
import { LogError } from "./errors.ts";
import type { LogCounters } from "./counters.ts";

export interface PendingAppend {
  partition: Partition;
  bytes: Uint8Array;
  info: StoredBatchInfo;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

/** What a placed append resolves with once durable (undefined: it failed and was rejected). */
export type Placed = { baseOffset: number; duplicate: boolean } | undefined;

export interface CommitSteps {
  /** Runs first in every transaction: retention and storage-cap deletions that are due. */
  maintain(txn: Txn): void;
  /** Reports a maintenance step that threw; its staged changes were dropped. */
  maintenanceFailed(error: Error): void;
  /** Assigns offsets and stages one append; throws a LogError to reject just that append. */
  place(txn: Txn, item: PendingAppend): Placed;
}

export interface GroupCommitOptions {
  tables: LogTables;
  storage: StorageConfig;
  account: StorageAccount;
  counters: LogCounters;
  steps: CommitSteps;
  queueBytesMax: number;
  txnBytesMax: number;
}

export class GroupCommit {
  readonly #o: GroupCommitOptions;
  #pending: PendingAppend[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #microtaskQueued = false;
  #running: Promise<void> | null = null;
  #room: { promise: Promise<void>; resolve: () => void } | null = null;
  #maintenanceDue = false;
  #lastDurable: Promise<unknown> = Promise.resolve();
  #unsyncedSinceMs: number[] = [];
  #closed = false;

  constructor(options: GroupCommitOptions) {
    this.#o = options;
  }

  async enqueue(item: PendingAppend): Promise<void> {
    while (this.#pendingBytes >= this.#o.queueBytesMax && !this.#closed) {
      this.#room ??= makeRoom();
      await this.#room.promise;
    }
    if (this.#closed) throw new LogError("LEDGE_ERR_LOG_CLOSED", "append refused: the log is closed");
    this.#pending.push(item);
    this.#pendingBytes += item.bytes.byteLength;
    this.#schedule();
  }

  /** Bytes of appends waiting for a transaction (at most queueBytesMax plus one batch). */
  get queuedBytes(): number {
    return this.#pendingBytes;
  }

  /** Asks for a transaction that runs maintenance (retention) even without appends. */
  requestMaintenance(): void {
    this.#maintenanceDue = true;
    this.#schedule();
  }

  /** Resolves when everything queued so far is committed and durable. */
  async drain(): Promise<void> {
    while (this.#running || this.#pending.length > 0 || this.#timer || this.#microtaskQueued || this.#maintenanceDue) {
      if (!this.#running) this.#fire();
      await this.#running;
    }
    await this.#lastDurable;
  }

  close(): void {
    this.#closed = true;
    this.#room?.resolve();
  }

  #schedule(): void {
    if (this.#timer || this.#running || this.#microtaskQueued) return;
    const delay = this.#o.storage.commitDelayMs;
    if (delay > 0) {
      this.#timer = setTimeout(() => this.#fire(), delay);
      return;
    }
    // No delay: start once the current task's appends are queued. Appends that arrive while
    // this transaction commits join the next one (see #commitWhileWaiting): that is the window.
    this.#microtaskQueued = true;
    queueMicrotask(() => {
      this.#microtaskQueued = false;
      this.#fire();
    });
  }

  #fire(): void {
    if (this.#timer) {
      clearTimeout(this.#timer as NodeJS.Timeout);
      clearImmediate(this.#timer as NodeJS.Immediate);
      this.#timer = null;
    }
    if (this.#running) return;
    this.#running = this.#commitWhileWaiting().finally(() => {
      this.#running = null;
      // Appends that came after the loop's last look but before this point still need a commit.
      if (this.#pending.length > 0 || this.#maintenanceDue) this.#schedule();
    });
  }

  /** Appends that arrived while a transaction committed form the next one, without a turn. */
  async #commitWhileWaiting(): Promise<void> {
    let ok: boolean;
    do ok = await this.#commitOnce();
    while (ok && (this.#pending.length > 0 || this.#maintenanceDue));
    // After a failed commit lmdb-js is still unwinding it: start the next one a turn later.
    if (!ok) this.#timer = setImmediate(() => this.#fire());
  }

  #take(): PendingAppend[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#pending.length && (n === 0 || bytes + this.#pending[n].bytes.byteLength <= this.#o.txnBytesMax)) {
      bytes += this.#pending[n].bytes.byteLength;
      n++;
    }
    const work = this.#pending.splice(0, n);
    this.#pendingBytes -= bytes;
    if (this.#room && this.#pendingBytes < this.#o.queueBytesMax) {
      this.#room.resolve();
      this.#room = null;
    }
    return work;
  }

  /** One transaction; false when LMDB refused the commit. */
  async #commitOnce(): Promise<boolean> {
    await this.#boundUnsynced();
    const work = this.#take();
    let txn = new Txn(this.#o.tables, this.#o.account);
    if (this.#maintenanceDue || work.length > 0) {
      this.#maintenanceDue = false;
      try {
        this.#o.steps.maintain(txn);
      } catch (err) {
        // A maintenance bug must not strand the appends of this window: drop its staging.
        txn.rollback();
        txn = new Txn(this.#o.tables, this.#o.account);
        this.#o.steps.maintenanceFailed(err as Error);
      }
    }
    const placed: Array<{ item: PendingAppend; at: NonNullable<Placed> }> = [];
    for (const item of work) {
      try {
        const at = this.#o.steps.place(txn, item);
        if (at) placed.push({ item, at });
      } catch (err) {
        item.reject(err as Error);
      }
    }
    if (txn.isEmpty) {
      this.#settle(placed, []);
      return true;
    }
    try {
      await commitOutcome(txn.issue(), `committing ${work.length} appends to the log`);
    } catch (err) {
      txn.rollback();
      for (const { item } of placed) item.reject(err as Error);
      return false;
    }
    this.#o.counters.commits.inc();
    this.#settle(placed, [...txn.touched()]);
    return true;
  }

  /** Resolves the commit's callers once durable, and only then moves the high watermarks. */
  #settle(placed: Array<{ item: PendingAppend; at: NonNullable<Placed> }>, touched: Partition[]): void {
    if (placed.length === 0 && touched.length === 0) return;
    const publish = () => {
      for (const p of touched) {
        if (p.nextOffset > p.highWatermark) p.highWatermark = p.nextOffset;
        p.waiters.advance(p.highWatermark);
      }
      for (const { item, at } of placed) {
        item.resolve({ baseOffset: at.baseOffset, logAppendTimeMs: -1, logStartOffset: item.partition.logStartOffset, duplicate: at.duplicate });
      }
    };
    const flushed = this.#flushed();
    if (this.#o.storage.sync === "always") {
      // Acks wait for the fsync: a commit alone is visible, not durable.
      this.#lastDurable = flushed.then(publish, (err: Error) => {
        for (const { item } of placed) item.reject(err);
      });
    } else {
      this.#unsyncedSinceMs.push(Date.now());
      this.#lastDurable = flushed.then(() => this.#unsyncedSinceMs.shift(), () => this.#unsyncedSinceMs.shift());
      publish();
    }
  }

  #flushed(): Promise<unknown> {
    return flushedNow(this.#o.tables.env).then(() => this.#o.counters.fsyncs.inc());
  }

  async #boundUnsynced(): Promise<void> {
    const oldest = this.#unsyncedSinceMs[0];
    if (oldest !== undefined && Date.now() - oldest >= this.#o.storage.syncIntervalMs) await this.#lastDurable;
  }
}

function makeRoom(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
