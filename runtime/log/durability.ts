// When a commit counts as durable under storage.sync, and what happens when the disk fails.
//   always   -> a commit is acknowledged after `env.flushed` (its fsync; lmdb-js overlappingSync).
//   interval -> the environment is opened with noSync (lmdb-env.ts): a commit is acknowledged at
//               once, and env.sync() runs at most every syncIntervalMs while commits are unsynced.
//               A new commit waits for the running sync once an acknowledged one has stayed
//               unsynced for syncIntervalMs, so a power cut costs at most the commits of one
//               syncIntervalMs window. A SIGKILL costs nothing: committed pages are in the page cache.
// Fail-stop: the first failed write, fsync or statfs of the data directory latches a
// LEDGE_ERR_STORAGE_FAILED error. From then every write is refused with it and the listeners
// registered with onFailure (the process: one log line, exit code 74) are told once.
import type { RootDatabase } from "lmdb";
import type { StorageConfig } from "../config/schema.ts";
import type { LogCounters } from "./counters.ts";
import { LogError } from "./errors.ts";
import { commitOutcome, describeCause, flushedNow, isDeviceFailure, storageError, syncEnv } from "./lmdb-env.ts";

export type FailureListener = (error: LogError) => void;

export class Durability {
  readonly #env: RootDatabase;
  readonly #storage: StorageConfig;
  readonly #counters: LogCounters;
  readonly #dataDir: string;
  #failure: LogError | null = null;
  /** A commit failed inside lmdb-js: no call may go into LMDB again (see flushWhatCan). */
  #commitFailed = false;
  readonly #listeners: FailureListener[] = [];
  /** interval: the oldest commit made since the running sync started (or since the last one; 0: none). */
  #pendingSinceMs = 0;
  /** interval: the oldest commit the running sync covers (0: no sync runs). */
  #syncingSinceMs = 0;
  #syncing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(env: RootDatabase, storage: StorageConfig, counters: LogCounters, dataDir: string) {
    this.#env = env;
    this.#storage = storage;
    this.#counters = counters;
    this.#dataDir = dataDir;
  }

  /** The latched device failure, or null while the disk works. */
  get failure(): LogError | null {
    return this.#failure;
  }

  /** Throws the latched failure: no write starts on a failed disk. */
  checkWorking(): void {
    if (this.#failure) throw this.#failure;
  }

  /** Calls `listener` once the disk fails (at once if it already has). */
  onFailure(listener: FailureListener): void {
    if (this.#failure) listener(this.#failure);
    else this.#listeners.push(listener);
  }

  /**
   * Latches a device failure (the first one wins) and tells the listeners; returns the error
   * every write is refused with from now on.
   */
  fail(cause: unknown, what: string): LogError {
    if (this.#failure) return this.#failure;
    const error = new LogError("LEDGE_ERR_STORAGE_FAILED", `${what} failed on the data directory ${this.#dataDir}: ${describeCause(cause)}`, { cause });
    this.#failure = error;
    this.#stopTimer();
    for (const l of this.#listeners.splice(0)) l(error);
    return error;
  }

  /** A write's commit: resolves once committed; a device failure fails stop, anything else is a storageError. */
  async committed(write: Promise<unknown>, what: string): Promise<void> {
    try {
      await commitOutcome(write);
    } catch (cause) {
      if (!isDeviceFailure(cause)) throw storageError(cause, what);
      this.#commitFailed = true;
      throw this.fail(cause, what);
    }
  }

  /**
   * Called right after a commit: resolves when its writers may be acknowledged (always: after
   * the fsync; interval: at once, and a sync is scheduled).
   */
  afterCommit(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#storage.sync === "always") {
      return flushedNow(this.#env).then(() => this.#counters.fsyncs.inc(), (cause: unknown) => {
        throw this.fail(cause, "flushing a commit to disk (fsync)");
      });
    }
    if (this.#pendingSinceMs === 0) this.#pendingSinceMs = Date.now();
    this.#timer ??= setTimeout(() => this.#syncSoon(), this.#storage.syncIntervalMs);
    return Promise.resolve();
  }

  /**
   * interval: waits before the next commit while an acknowledged commit has stayed unsynced for
   * syncIntervalMs (the loss bound); always: nothing to wait for.
   */
  async bound(): Promise<void> {
    for (;;) {
      const oldest = this.#syncingSinceMs || this.#pendingSinceMs;
      if (oldest === 0 || Date.now() - oldest < this.#storage.syncIntervalMs) return;
      await this.#sync();
    }
  }

  /** Resolves once everything committed so far is on disk (close, drain). */
  async flushAll(): Promise<void> {
    if (this.#storage.sync === "always") {
      await flushedNow(this.#env);
      return;
    }
    while (this.#pendingSinceMs !== 0 || this.#syncing) await this.#sync();
  }

  /**
   * After a device failure: one last env.sync(), so commits already made (acknowledged ones
   * under interval) reach the disk if it still takes them: after a failed statfs or fsync. Not
   * after a failed commit: lmdb-js 3.5.6 formats a failed page write's message with sprintf into
   * a 100-byte malloc that longer messages overrun (mdb.c, mdb_page_flush), so the write
   * thread's heap may be corrupt and one more LMDB call can abort the process
   * ("corrupted size vs. prev_size"). Never rejects.
   */
  async flushWhatCan(): Promise<void> {
    if (this.#commitFailed) return;
    await this.#syncing?.catch(() => undefined);
    await syncEnv(this.#env).catch(() => undefined);
  }

  /** Whether the failure came from a commit inside lmdb-js (the process should exit at once). */
  get commitFailed(): boolean {
    return this.#commitFailed;
  }

  #syncSoon(): void {
    this.#timer = null;
    if (!this.#syncing) void this.#sync().catch(() => undefined);
  }

  /**
   * Resolves when the commits made so far are synced: waits for a running env.sync() (it may
   * have started before some of them), then runs one for the rest. One sync at a time.
   */
  async #sync(): Promise<void> {
    if (this.#syncing) await this.#syncing;
    if (this.#failure) throw this.#failure;
    if (this.#syncing || this.#pendingSinceMs === 0) return; // another caller started it, or nothing left
    this.#stopTimer();
    this.#syncingSinceMs = this.#pendingSinceMs;
    this.#pendingSinceMs = 0;
    this.#syncing = syncEnv(this.#env).then(
      () => {
        this.#counters.fsyncs.inc();
        // Commits that came meanwhile are synced next, no sooner than syncIntervalMs after their first.
        if (this.#pendingSinceMs !== 0) this.#timer ??= setTimeout(() => this.#syncSoon(), Math.max(0, this.#pendingSinceMs + this.#storage.syncIntervalMs - Date.now()));
      },
      (cause: unknown) => {
        throw this.fail(cause, "flushing the log to disk (fsync)");
      },
    ).finally(() => {
      this.#syncing = null;
      this.#syncingSinceMs = 0;
    });
    await this.#syncing;
  }

  #stopTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
