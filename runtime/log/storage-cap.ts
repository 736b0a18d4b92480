// The storage bounds an append must fit in: storage.maxBytes (refuse, or drop the oldest batches
// anywhere, per storage.overflow) and the free space of the data disk (disk-guard.ts), for the
// commit queue's appends and for the KV stores' writes outside it.
import type { Database } from "lmdb";
import type { LogContext } from "./context.ts";
import { DiskGuard } from "./disk-guard.ts";
import { LogError } from "./errors.ts";
import { dropOldest } from "./retention.ts";
import type { Txn } from "./txn.ts";

const MiB = 2 ** 20;
/** Batches drop-oldest may remove for one append before it gives up and refuses. */
const DROP_OLDEST_STEPS_MAX = 100_000;
/** How long a KV store write trusts the last answer about the disk's free space. */
const STORE_FREE_CHECK_INTERVAL_MS = 100;

export class StorageCap {
  readonly #ctx: LogContext;
  readonly #disk: DiskGuard;
  readonly #diskFreeBytesMin: number;
  /** Headroom to overlap transactions: two of up to transactionBytesMax, pages copied on write (counted twice). */
  readonly #overlapHeadroomBytes: number;
  /** The disk's free bytes as last asked for a store write (a statfs per store write was ~15% of
   * the cost of delivering to a persistent session), and when. */
  #storeFreeBytes = 0;
  #storeFreeCheckedAtMs = 0;
  /** Why the last write was refused for space, until a write fits again (or a check finds room). */
  #refusal: string | null = null;
  /** The disk's free bytes when that refusal happened. */
  #refusalFreeBytes = 0;

  /** `tables` lists every LMDB table, for the disk guard's count of LMDB's own free pages. */
  constructor(ctx: LogContext, tables: () => Iterable<Database<unknown, string>>, transactionBytesMax: number) {
    this.#ctx = ctx;
    this.#diskFreeBytesMin = ctx.options.diskFreeBytesMin ?? 16 * MiB;
    this.#disk = new DiskGuard(ctx.options.dataDir, ctx.tables.env, tables, this.#diskFreeBytesMin, ctx.durability);
    this.#overlapHeadroomBytes = 2 * 2 * transactionBytesMax;
  }

  /**
   * Makes room in transaction `txn` for one more batch of `bytes`: under storage.maxBytes
   * (dropping the oldest batches when overflow is drop-oldest) and on the disk. Throws
   * LEDGE_ERR_STORAGE_FULL when it cannot.
   */
  reserve(txn: Txn, bytes: number, where: string): void {
    this.#capOrDrop(txn, bytes, where);
    if (!this.#disk.admit(txn, bytes)) {
      this.#ctx.counters.rejectedFull.inc();
      throw this.#refuse(`append of ${bytes} bytes to ${where} refused: ${this.#disk.diskFreeBytes()} bytes are free on the disk of ${this.#ctx.options.dataDir}, too few for the commit plus the ${this.#diskFreeBytesMin} bytes ledge keeps free`);
    }
    this.#refusal = null;
  }

  #refuse(message: string): LogError {
    this.#refusal = message;
    this.#refusalFreeBytes = this.#disk.diskFreeBytes();
    return new LogError("LEDGE_ERR_STORAGE_FULL", message);
  }

  /**
   * Why writes are being refused for space (the last refusal), or null once there is room
   * again: an append that fits, or this check finding that space came back (the disk has a
   * MiB more free than at the refusal and storage.maxBytes, with overflow: reject, is not
   * reached). For health checks.
   */
  refusal(): string | null {
    if (this.#refusal === null) return null;
    const { maxBytes, overflow } = this.#ctx.options.storage;
    const capFull = overflow === "reject" && this.#ctx.account.totalBytes >= maxBytes;
    if (!capFull && this.#disk.diskFreeBytes() >= this.#refusalFreeBytes + MiB) this.#refusal = null;
    return this.#refusal;
  }

  /** Enforces storage.maxBytes for one more batch: refuse, or drop the oldest data. */
  #capOrDrop(txn: Txn, bytes: number, where: string): void {
    const { counters, logger, account } = this.#ctx;
    const { maxBytes, overflow } = this.#ctx.options.storage;
    const over = account.totalBytes + bytes - maxBytes;
    if (over <= 0) return;
    if (overflow === "drop-oldest") {
      for (const d of dropOldest(this.#ctx.tables, txn, this.#ctx.topics.values(), over, DROP_OLDEST_STEPS_MAX)) {
        counters.droppedRecords.inc(d.records);
        counters.droppedBytes.inc(d.bytes);
        const lost = d.unreplicated > 0 ? `; ${d.unreplicated} of those records were not yet replicated upstream` : "";
        logger.warn(`storage.maxBytes (${maxBytes} bytes) reached: dropped offsets ${d.firstOffset}..${d.lastOffset} (${d.records} records, ${d.bytes} bytes) of ${d.partition.topic.name}/${d.partition.index} to make room${lost}; raise storage.maxBytes or lower retention to keep more`);
      }
      if (account.totalBytes + bytes <= maxBytes) return;
    }
    counters.rejectedFull.inc();
    throw this.#refuse(`append of ${bytes} bytes to ${where} refused: storage.maxBytes is ${maxBytes} bytes and ${account.totalBytes} are stored (overflow: ${overflow})`);
  }

  /**
   * Whether a transaction of up to `queuedBytes` may be issued while another commits, as far as
   * storage goes: it cannot need drop-oldest (which reads committed data) and the disk has room
   * for both (the disk guard counts one transaction at a time).
   */
  mayOverlap(queuedBytes: number): boolean {
    if (this.#ctx.account.totalBytes + queuedBytes > this.#ctx.options.storage.maxBytes) return false;
    return this.#disk.diskFreeBytes() > this.#diskFreeBytesMin + this.#overlapHeadroomBytes;
  }

  /** For writes outside the commit queue (KV stores): refuse when the disk is nearly full. */
  checkStoreWrite(what: string): void {
    // Store writes are small: with several times the reserve free, an answer 100 ms old will do.
    const nowMs = Date.now();
    if (this.#storeFreeBytes < 4 * this.#diskFreeBytesMin || nowMs - this.#storeFreeCheckedAtMs >= STORE_FREE_CHECK_INTERVAL_MS) {
      this.#storeFreeBytes = this.#disk.diskFreeBytes();
      this.#storeFreeCheckedAtMs = nowMs;
    }
    const free = this.#storeFreeBytes;
    if (free >= this.#diskFreeBytesMin) return;
    throw this.#refuse(`${what} refused: ${free} bytes are free on the disk of ${this.#ctx.options.dataDir}, under the ${this.#diskFreeBytesMin} bytes ledge keeps free`);
  }
}
