// Keeps LMDB from running the disk out of space. lmdb-js 3.5.6 maps ENOSPC to an error, but its
// write path can corrupt the process heap on the way (seen here as "corrupted size vs.
// prev_size" aborts after a failed page write), so the log refuses appends with
// LEDGE_ERR_STORAGE_FULL before a commit could need disk space that is not there.
import { statfsSync } from "node:fs";
import type { Database, RootDatabase } from "lmdb";
import type { Durability } from "./durability.ts";

interface TreeStats {
  treeBranchPageCount?: number;
  treeLeafPageCount?: number;
  overflowPages?: number;
}

interface EnvStats extends TreeStats {
  pageSize: number;
  lastPageNumber: number;
  free?: TreeStats;
}

const LMDB_FREE_BYTES_MIN = 1024 * 1024;

const pagesOf = (s: TreeStats | undefined) => (s?.treeBranchPageCount ?? 0) + (s?.treeLeafPageCount ?? 0) + (s?.overflowPages ?? 0);

export class DiskGuard {
  readonly #dir: string;
  readonly #env: RootDatabase;
  readonly #tables: () => Iterable<Database<unknown, string>>;
  readonly #freeBytesMin: number;
  readonly #durability: Durability;
  #txn: object | null = null;
  #budgetBytes = 0;
  #lmdbBudgetBytes = -1;

  constructor(dir: string, env: RootDatabase, tables: () => Iterable<Database<unknown, string>>, freeBytesMin: number, durability: Durability) {
    this.#dir = dir;
    this.#durability = durability;
    this.#env = env;
    this.#tables = tables;
    this.#freeBytesMin = freeBytesMin;
  }

  /**
   * Free bytes on the data directory's filesystem. statfs failing (EIO, ENOTCONN from a dying SD
   * card or a lost mount) is a device failure: it fails the log stop and throws
   * LEDGE_ERR_STORAGE_FAILED.
   */
  diskFreeBytes(): number {
    try {
      const s = statfsSync(this.#dir);
      return s.bavail * s.bsize;
    } catch (cause) {
      throw this.#durability.fail(cause, "checking the free space of the disk (statfs)");
    }
  }

  /**
   * Whether one more batch of `bytes` may join transaction `txn`: either the disk keeps
   * `freeBytesMin` free after the transaction (pages are copied on write, so count bytes twice),
   * or LMDB's own free pages (left by retention and deletions) can take it without growing.
   * The disk is asked once per transaction.
   */
  admit(txn: object, bytes: number): boolean {
    if (txn !== this.#txn) {
      this.#txn = txn;
      this.#budgetBytes = this.diskFreeBytes() - this.#freeBytesMin - 256 * 1024;
      this.#lmdbBudgetBytes = -1;
    }
    this.#budgetBytes -= 2 * bytes;
    if (this.#budgetBytes >= 0) return true;
    // Free pages only count in bulk: a few are always on the free list, and pages freed by
    // the last transactions are not reusable until readers and the fsync move past them.
    if (this.#lmdbBudgetBytes < 0) this.#lmdbBudgetBytes = this.#lmdbFreeBytes() / 2 - LMDB_FREE_BYTES_MIN;
    this.#lmdbBudgetBytes -= 2 * bytes;
    return this.#lmdbBudgetBytes >= 0;
  }

  #lmdbFreeBytes(): number {
    const stats = this.#env.getStats() as EnvStats;
    let used = 2 + pagesOf(stats) + pagesOf(stats.free); // two meta pages, main tree, free list
    for (const db of this.#tables()) used += pagesOf(db.getStats() as TreeStats);
    return Math.max(0, stats.lastPageNumber + 1 - used) * stats.pageSize;
  }
}
