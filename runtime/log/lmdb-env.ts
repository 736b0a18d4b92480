// The LMDB environment and its tables. runtime/log is the only importer of `lmdb`.
import { open, type Database, type RootDatabase } from "lmdb";
import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { LogError } from "./errors.ts";

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

/** `readOnly` opens an existing log beside a running ledge (LMDB allows any number of readers),
 * at the map size the file records; the log itself opens read-write. */
export function openTables(dataDir: string, mapSizeBytes: number, access: "read-write" | "read-only" = "read-write"): LogTables {
  const readOnly = access === "read-only";
  if (!readOnly) mkdirSync(dataDir, { recursive: true });
  const env = open({
    path: logFile(dataDir),
    ...(readOnly ? { readOnly: true } : { mapSize: mapSizeBytes }),
    maxDbs: KV_TABLE_COUNT_MAX + 4,
    // Commits overlap the previous fsync; acks wait for `env.flushed` (see commit-queue.ts).
    overlappingSync: true,
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

const fullErrnos = new Set(["ENOSPC", "EDQUOT", "MDB_MAP_FULL"]);

/** lmdb-js rejects a failed commit with an Error whose `commitError` is a second promise. */
export async function commitOutcome(write: Promise<unknown>, what: string): Promise<void> {
  guardInternalCommitPromise();
  try {
    await write;
  } catch (err) {
    let cause: unknown = err;
    const second = (err as { commitError?: Promise<unknown> }).commitError;
    if (second) cause = await second.then(() => err, (c: unknown) => c);
    throw storageError(cause, what);
  }
}

export function storageError(cause: unknown, what: string): LogError {
  const e = cause as { code?: unknown; message?: string };
  const text = `${String(e?.code ?? "")} ${e?.message ?? ""}`;
  // tmpfs and some filesystems report a full mmap-backed file as EIO (code 5).
  const full = fullErrnos.has(String(e?.code)) || /MDB_MAP_FULL|No space|ENOSPC|Input\/output error/.test(text) || e?.code === 28 || e?.code === 5 || e?.code === -30792;
  return new LogError(full ? "LEDGE_ERR_STORAGE_FULL" : "LEDGE_ERR_STORAGE", `${what} failed: ${e?.message ?? String(cause)}`, { cause });
}
