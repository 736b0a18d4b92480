// The LMDB environment and its tables. runtime/log is the only importer of `lmdb`.
import { open, type Database, type RootDatabase } from "lmdb";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { LogError } from "./errors.ts";
import type { SyncMode } from "../config/schema.ts";

export interface LogTables {
  env: RootDatabase;
  /** (topicId, partition, baseOffset) -> stored batch bytes. */
  batches: Database<Buffer, Buffer>;
  /** (topicId, partition, runningMaxTimestamp, baseOffset) -> empty: the sparse time index. */
  times: Database<Buffer, Buffer>;
  /** Topic, partition and producer state (msgpack). */
  meta: Database<unknown, string>;
  /**
   * One versioned entry, COMMIT_SEQ_KEY, whose version each log transaction bumps when
   * storage.commitInflightCountMax lets them overlap. A transaction issued while an earlier one
   * still commits runs only if the entry holds the version that earlier one writes, so a failed
   * commit also undoes every later one.
   */
  commits: Database<Buffer, string>;
}

export const COMMIT_SEQ_KEY = "seq";

export const KV_TABLE_COUNT_MAX = 48;

export function logFile(dataDir: string): string {
  return join(dataDir, "ledge.mdb");
}

/**
 * `readOnly` opens an existing log beside a running ledge (LMDB allows any number of readers),
 * at the map size the file records; the log itself opens read-write.
 *
 * `sync` is storage.sync. lmdb-js 3.5 reports a commit only after its fsync, even with
 * overlappingSync (its writer thread syncs before it flags the commit done; measured: with every
 * fdatasync slowed to 300 ms a single put resolved after 302-313 ms with overlappingSync on or
 * off). So `interval` opens with noSync, where a put resolves at commit (0.1-9 ms under the same
 * slow disk) and durability.ts fsyncs with env.sync() on a timer. Both open the same file: a
 * data directory may switch modes between runs.
 */
export function openTables(dataDir: string, mapSizeBytes: number, access: "read-write" | "read-only" = "read-write", sync: SyncMode = "always"): LogTables {
  const readOnly = access === "read-only";
  if (!readOnly) mkdirSync(dataDir, { recursive: true });
  const env = open({
    path: logFile(dataDir),
    ...(readOnly ? { readOnly: true } : { mapSize: mapSizeBytes }),
    maxDbs: KV_TABLE_COUNT_MAX + 4,
    // always: commits overlap the previous fsync; acks wait for `env.flushed` (durability.ts).
    // Readers (ledge verify, ledge backup) open as they always have, with overlappingSync.
    ...(readOnly || sync === "always" ? { overlappingSync: true } : { noSync: true }),
  });
  openEnvs.add(env);
  return {
    env,
    batches: env.openDB<Buffer, Buffer>({ name: "batches", keyEncoding: "binary", encoding: "binary" }),
    times: env.openDB<Buffer, Buffer>({ name: "times", keyEncoding: "binary", encoding: "binary" }),
    meta: env.openDB<unknown, string>({ name: "meta", encoding: "msgpack" }),
    commits: env.openDB<Buffer, string>({ name: "commits", encoding: "binary", useVersions: true }),
  };
}

const openEnvs = new Set<RootDatabase>();
let guardScheduled = false;
const ignore = () => undefined;

export async function closeTables(tables: LogTables): Promise<void> {
  await tables.env.close();
  openEnvs.delete(tables.env);
}

/**
 * lmdb-js starts each write batch with an internal instruction whose commit promise nobody
 * holds; when that transaction fails (disk full) the promise rejects unhandled, which would
 * end the process. After the batch has started (next turn), hang a handler on the current
 * commit promise of every open environment. Our own promises report the failure.
 */
function guardInternalCommitPromise(): void {
  if (guardScheduled) return;
  guardScheduled = true;
  setImmediate(() => {
    guardScheduled = false;
    for (const env of openEnvs) Promise.resolve(env.committed).then(ignore, ignore);
  });
}

/**
 * The flush of the commits made so far. `env.flushed` is a thenable that picks the latest
 * batch when its `then` runs; Promise.resolve() would call it a microtask later, after the
 * next transaction may have started, and so wait for that one's fsync too. Call it now.
 */
export function flushedNow(env: RootDatabase): Promise<unknown> {
  const flushed = env.flushed as PromiseLike<unknown>;
  return new Promise((resolve, reject) => {
    flushed.then(resolve, reject);
  });
}

/** fsyncs the whole environment (storage.sync: interval): everything committed before the call. */
export function syncEnv(env: RootDatabase): Promise<void> {
  return new Promise((resolve, reject) => {
    // lmdb-js's RootDatabase.sync(callback): mdb_env_sync(force) on a worker thread (not in its types).
    (env as unknown as { sync(cb: (err?: unknown) => void): void }).sync((err) => (err ? reject(err) : resolve()));
  });
}

const MDB_MAP_FULL = -30792;

/**
 * lmdb-js rejects a failed commit with an Error whose `commitError` is a second promise.
 * Rejects with the cause itself (an Error with the errno or LMDB code); storageError() says
 * what kind of failure it is.
 */
export async function commitOutcome(write: Promise<unknown>): Promise<void> {
  guardInternalCommitPromise();
  try {
    await write;
  } catch (err) {
    const second = (err as { commitError?: Promise<unknown> }).commitError;
    throw second ? await second.then(() => err, (c: unknown) => c) : err;
  }
}

/**
 * Whether a failed write, fsync or statfs means the device under the data directory failed:
 * any operating-system error (an errno: EIO, ENOTCONN, EROFS, ENOSPC from LMDB itself, ...) or
 * an LMDB error other than its map being full. After one of these the LMDB handle and, with
 * lmdb-js 3.5, the process heap cannot be trusted (seen: "malloc(): invalid next size" aborts
 * after EIO and ENOSPC during commits): the log fails stop (context.ts). Not a device failure:
 * a transaction held back by the commit-sequence condition (our own Error, no code).
 */
export function isDeviceFailure(cause: unknown): boolean {
  const code = (cause as { code?: unknown })?.code;
  if (typeof code === "number") return code !== MDB_MAP_FULL;
  return typeof code === "string" && /^E[A-Z]+$/.test(code);
}

/** The errno name or number and message of a failed system call, for the one log line. */
export function describeCause(cause: unknown): string {
  const e = cause as { code?: unknown; message?: string };
  const code = typeof e?.code === "number" && e.code > 0 ? osErrnoName(e.code) : e?.code;
  const message = e?.message ?? String(cause);
  return code !== undefined && !message.includes(String(code)) ? `${String(code)}: ${message}` : message;
}

function osErrnoName(n: number): string | number {
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === n) return name;
  return n;
}

/** A commit that failed without a device failure: LMDB's map is full, or it was held back. */
export function storageError(cause: unknown, what: string): LogError {
  const full = (cause as { code?: unknown })?.code === MDB_MAP_FULL;
  return new LogError(full ? "LEDGE_ERR_STORAGE_FULL" : "LEDGE_ERR_STORAGE", `${what} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}
