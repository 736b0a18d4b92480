// Group commit: appends from every caller in one commit window share one LMDB transaction, and
// each caller's promise resolves only when that transaction is durable under storage.sync
// (durability.ts: always -> after its fsync; interval -> at commit, with a sync at most every
// syncIntervalMs and no new commit while an acknowledged one is older than that unsynced).
// With storage.commitInflightCountMax above 1, the next transaction is issued while one commits,
// with offsets assigned on the assumption that it commits; if it fails, it and every later one
// are rolled back (LMDB holds the later ones back by a commit-sequence condition, see txn.ts).
// The default is 1: each commit pays B-tree, free-list and meta pages plus an fsync whatever its
// size, and overlapping halves the appends per commit. Under MQTT QoS 1 load on two cores that
// cost more than the idle writer it saves (bench mqtt: 320-454k msgs/s at 1, 252-330k at 2).
// At 1 under sync: always the next transaction waits for the previous fsync too: lmdb-js reports
// a commit only once it is synced. A device failure (durability.ts) rejects everything queued
// and issues nothing more. The queue is bounded in bytes: callers past the bound wait for room
// (backpressure, not growth).
import type { StorageConfig } from "../config/schema.ts";
import type { AppendResult } from "./types.ts";
import type { BatchHeader } from "../core/index.ts";
import type { Partition } from "./partition.ts";
import { settleOpenTxns } from "./partition-txns.ts";
import { Txn, type StorageAccount } from "./txn.ts";
import assert from "node:assert/strict";
import { COMMIT_SEQ_KEY, type LogTables } from "./lmdb-env.ts";
import { LogError } from "./errors.ts";
import type { Durability } from "./durability.ts";
import type { LogCounters } from "./counters.ts";
import type { RecentBatches } from "./recent-batches.ts";

export interface PendingAppend {
  partition: Partition;
  bytes: Uint8Array;
  /** Its header, as validation (or, for an encoded batch, a plain read) found it. */
  header: BatchHeader;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
  /** Several batches and a meta value placed together, all or none (Log.appendWithCheckpoint). */
  group?: AppendGroup;
}

/** The rest of an atomic group: `partition`/`bytes`/`header` of the item are its first batch. */
export interface AppendGroup {
  more: Array<{ partition: Partition; bytes: Uint8Array; header: BatchHeader }>;
  meta: { key: string; value: unknown };
  /** Bytes of every batch in the group (the queue's accounting). */
  byteLength: number;
}

/** Bytes an item stages: its batch, or all of a group's. */
function itemBytes(item: PendingAppend): number {
  return item.group?.byteLength ?? item.bytes.byteLength;
}

/** What a placed append resolves with once durable (undefined: it failed and was rejected). */
export type Placed = { baseOffset: number; duplicate: boolean } | undefined;

type PlacedAppend = { item: PendingAppend; at: NonNullable<Placed> };

/** A transaction issued to LMDB and not yet known to be committed. */
interface InFlight {
  txn: Txn;
  placed: PlacedAppend[];
  /** Rolled back because it or an earlier transaction failed. */
  undone: boolean;
  /** Settles after the commit's outcome was handled (never rejects). */
  done: Promise<void>;
}

export interface CommitSteps {
  /** Runs first in every transaction: retention and storage-cap deletions that are due. */
  maintain(txn: Txn): void;
  /** Reports a maintenance step that threw; its staged changes were dropped. */
  maintenanceFailed(error: Error): void;
  /** Assigns offsets and stages one append; throws a LogError to reject just that append. */
  place(txn: Txn, item: PendingAppend): Placed;
  /**
   * Whether the next transaction may be issued while earlier ones still commit: only when it
   * will not need to read committed data (retention, the storage cap) or disk headroom.
   */
  mayOverlap(): boolean;
}

export interface GroupCommitOptions {
  tables: LogTables;
  storage: StorageConfig;
  durability: Durability;
  account: StorageAccount;
  counters: LogCounters;
  steps: CommitSteps;
  /** Batches each commit stores join these once durable (read.ts serves the tail from them). */
  recent: RecentBatches;
  appendQueueBytesMax: number;
  transactionBytesMax: number;
}

export class GroupCommit {
  readonly #o: GroupCommitOptions;
  #pending: PendingAppend[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Immediate | NodeJS.Timeout | null = null;
  #microtaskQueued = false;
  #running: Promise<void> | null = null;
  readonly #inflight: InFlight[] = [];
  /** The commit-sequence version the next transaction requires (see Txn.issue). */
  #seq: number;
  /** A failed commit is being unwound: issue nothing until the next turn. */
  #unwinding = false;
  #room: { promise: Promise<void>; resolve: () => void } | null = null;
  #maintenanceDue = false;
  #lastDurable: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: GroupCommitOptions) {
    this.#o = options;
    this.#seq = committedSeq(options.tables);
  }

  async enqueue(item: PendingAppend): Promise<void> {
    while (this.#pendingBytes >= this.#o.appendQueueBytesMax && !this.#closed) {
      this.#room ??= deferred();
      await this.#room.promise;
    }
    this.#o.durability.checkWorking();
    if (this.#closed) throw new LogError("LEDGE_ERR_LOG_CLOSED", "append refused: the log is closed");
    this.#pending.push(item);
    this.#pendingBytes += itemBytes(item);
    this.#schedule();
  }

  /** Bytes of appends waiting for a transaction (at most appendQueueBytesMax plus one batch). */
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
    for (;;) {
      const waiting = this.#pending.length > 0 || this.#maintenanceDue || this.#timer !== null || this.#microtaskQueued;
      if (waiting && !this.#running && !this.#unwinding) this.#fire();
      const next = this.#running ?? this.#inflight[this.#inflight.length - 1]?.done ?? (waiting || this.#unwinding ? nextTurn() : null);
      if (!next) break;
      await next;
    }
    await this.#lastDurable;
  }

  close(): void {
    this.#closed = true;
    this.#room?.resolve();
  }

  /** The disk failed (fail-stop): refuse what waits for a transaction; nothing more is issued. */
  failAll(error: Error): void {
    for (const item of this.#pending.splice(0)) item.reject(error);
    this.#pendingBytes = 0;
    this.#maintenanceDue = false;
    this.#room?.resolve();
    this.#room = null;
  }

  #schedule(): void {
    if (this.#o.durability.failure) return;
    if (this.#timer || this.#running || this.#microtaskQueued || this.#unwinding) return;
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

  /**
   * Issues transactions while appends wait: up to storage.commitInflightCountMax at once (above 1,
   * LMDB's writer starts the next one as soon as the last commits instead of waiting for this
   * thread to hear of it and issue again). A transaction overlaps an earlier one only when the
   * steps say so (no retention or storage-cap work, which reads what is committed).
   */
  async #commitWhileWaiting(): Promise<void> {
    while (!this.#unwinding && !this.#o.durability.failure && (this.#pending.length > 0 || this.#maintenanceDue)) {
      const overlap = this.#inflight.length === 0 || (this.#inflight.length < this.#o.storage.commitInflightCountMax && !this.#maintenanceDue && this.#o.steps.mayOverlap());
      if (!overlap) {
        await this.#inflight[0].done;
        continue;
      }
      // sync: interval's loss bound; a failed sync fails stop (failAll has rejected the queue).
      if (!(await this.#o.durability.bound().then(() => true, () => false))) break;
      if (this.#unwinding || this.#o.durability.failure) break;
      this.#issueNext();
    }
  }

  #take(): PendingAppend[] {
    let bytes = 0;
    let n = 0;
    while (n < this.#pending.length && (n === 0 || bytes + itemBytes(this.#pending[n]) <= this.#o.transactionBytesMax)) {
      bytes += itemBytes(this.#pending[n]);
      n++;
    }
    const work = this.#pending.splice(0, n);
    this.#pendingBytes -= bytes;
    if (this.#room && this.#pendingBytes < this.#o.appendQueueBytesMax) {
      this.#room.resolve();
      this.#room = null;
    }
    return work;
  }

  /** Builds one transaction from the waiting appends and issues it (or settles it if empty). */
  #issueNext(): void {
    const work = this.#take();
    let txn = new Txn(this.#o.tables, this.#o.account, this.#o.recent);
    if (this.#maintenanceDue || work.length > 0) {
      this.#maintenanceDue = false;
      try {
        this.#o.steps.maintain(txn);
      } catch (err) {
        // A maintenance bug must not strand the appends of this window: drop its staging.
        txn.rollback();
        txn = new Txn(this.#o.tables, this.#o.account, this.#o.recent);
        this.#o.steps.maintenanceFailed(err as Error);
      }
    }
    const placed: PlacedAppend[] = [];
    for (const item of work) {
      try {
        const at = this.#o.steps.place(txn, item);
        if (at) placed.push({ item, at });
      } catch (err) {
        item.reject(err as Error);
      }
    }
    const failure = this.#o.durability.failure;
    if (failure) {
      // The disk failed while this transaction was built (statfs): issue nothing.
      txn.rollback();
      for (const { item } of placed) item.reject(failure);
      return;
    }
    if (txn.isEmpty) {
      this.#settleAfterInflight(placed);
      return;
    }
    // The commit-sequence entry only guards transactions that overlap: one at a time needs none.
    const seqBefore = this.#o.storage.commitInflightCountMax > 1 ? this.#seq++ : null;
    if (this.#inflight.length > 0) this.#o.counters.commitsPipelined.inc();
    const what = `committing ${work.length} appends to the log`;
    const outcome = this.#o.durability.committed(txn.issue(seqBefore).then(heldBackIfFalse), what);
    outcome.catch(() => undefined); // handled below, in issue order
    // Outcomes are handled in the order the transactions were issued, whatever order their
    // promises settle in (a conditional block's promise settles a step sooner).
    const previous = this.#inflight[this.#inflight.length - 1]?.done ?? Promise.resolve();
    const f: InFlight = { txn, placed, undone: false, done: Promise.resolve() };
    f.done = previous
      .then(() => outcome)
      .then(() => this.#committed(f), (err: Error) => this.#failed(f, err))
      .catch(crashOnBrokenInvariant);
    this.#inflight.push(f);
  }

  /** An empty transaction (duplicates only) may point at batches still committing: wait for them. */
  #settleAfterInflight(placed: PlacedAppend[]): void {
    const tail = this.#inflight[this.#inflight.length - 1];
    if (!tail) return this.#settle(placed, []);
    void tail.done.then(() => {
      if (tail.undone) for (const { item } of placed) item.reject(new LogError("LEDGE_ERR_STORAGE", "a duplicate append was refused because the commit holding its original failed; resend it"));
      else this.#settle(placed, []);
    });
  }

  #committed(f: InFlight): void {
    assert.equal(this.#inflight[0], f, "log transactions commit in the order they were issued");
    this.#inflight.shift();
    assert.ok(!f.undone, "a transaction issued after a failed one committed anyway: the commit-sequence condition did not hold it back");
    this.#o.counters.commits.inc();
    this.#settle(f.placed, [...f.txn.touched()], f.txn);
  }

  /** A failed commit undoes itself and every transaction issued after it, newest first. */
  #failed(f: InFlight, err: Error): void {
    assert.equal(this.#inflight[0], f, "log transactions fail in the order they were issued");
    this.#inflight.shift();
    if (f.undone) return; // undone with the earlier failure that held it back
    const later = this.#inflight;
    const laterError = this.#o.durability.failure ?? new LogError("LEDGE_ERR_STORAGE", `an append was not stored because an earlier log commit failed (${err.message}); resend it`, { cause: err });
    for (let i = later.length - 1; i >= 0; i--) this.#undo(later[i], laterError);
    this.#undo(f, err);
    if (this.#o.durability.failure) return; // fail-stop: nothing more is issued
    // lmdb-js is still unwinding the failed commit: start the next one a turn later, from the
    // sequence LMDB holds (the failed one's, unless something else moved it: never wedge the log).
    this.#unwinding = true;
    setImmediate(() => {
      this.#unwinding = false;
      if (this.#closed) return;
      this.#seq = committedSeq(this.#o.tables);
      this.#schedule();
    });
  }

  #undo(f: InFlight, err: Error): void {
    f.undone = true;
    f.txn.rollback();
    for (const { item } of f.placed) item.reject(err);
  }

  /** Resolves the commit's callers once durable, and only then moves the high watermarks. */
  #settle(placed: PlacedAppend[], touched: Partition[], txn?: Txn): void {
    if (placed.length === 0 && touched.length === 0) return;
    const publish = () => {
      txn?.published();
      for (const p of touched) {
        if (p.nextOffset > p.highWatermark) p.highWatermark = p.nextOffset;
        p.open = settleOpenTxns(p.open, p.highWatermark);
        p.waiters.advance(p.highWatermark);
      }
      for (const { item, at } of placed) {
        item.resolve({ baseOffset: at.baseOffset, logAppendTimeMs: -1, logStartOffset: item.partition.logStartOffset, duplicate: at.duplicate });
      }
    };
    // always: after the fsync (a commit alone is visible, not durable); interval: at once.
    this.#lastDurable = this.#o.durability.afterCommit().then(publish, (err: Error) => {
      for (const { item } of placed) item.reject(err);
    });
  }
}

/** An assertion failed inside a commit handler: a ledge bug; stop rather than ack wrongly. */
function crashOnBrokenInvariant(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

function committedSeq(tables: LogTables): number {
  return tables.commits.getEntry(COMMIT_SEQ_KEY)?.version ?? 0;
}

function heldBackIfFalse(committed: boolean): void {
  if (!committed) throw new Error("not applied: the log's commit sequence was not where this transaction expected it (an earlier commit failed)");
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A promise and the function that resolves it (the queue's "room again" signal). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
