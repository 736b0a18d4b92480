// The durable log: topic partitions of Kafka record batches on LMDB. A small facade over modules
// with one job each (README "Files"); the surface gateways, the bridge and pipelines call. See
// README "Storage" for what durable means.
import type { Database } from "lmdb";
import type { EncodedBatch } from "../core/index.ts";
import { createLogger } from "../logger.ts";
import { Metrics } from "../metrics/index.ts";
import { AppendPath } from "./append-path.ts";
import { GroupCommit } from "./commit-queue.ts";
import { LogContext, type LogOptions } from "./context.ts";
import { logCounters } from "./counters.ts";
import { closeTables, openTables } from "./lmdb-env.ts";
import { backupTables, type BackupResult } from "./backup.ts";
import { DataDirOwner } from "./owner.ts";
import { verifyTables, type VerifyReport } from "./verify.ts";
import { mkdirSync } from "node:fs";
import { Durability } from "./durability.ts";
import { Maintenance } from "./maintenance.ts";
import { ProducerIds } from "./producer-ids.ts";
import { ReadPath } from "./read-path.ts";
import { StorageCap } from "./storage-cap.ts";
import { Stores } from "./stores.ts";
import { TopicAdmin } from "./topic-admin.ts";
import { TopicPurges } from "./topic-purge.ts";
import { loadTopics } from "./topics.ts";
import { LogError } from "./errors.ts";
import { metaKeys } from "./partition.ts";
import type { AppendResult, KeyValueStore, PartitionState, ReadResult, TopicChangeListener, TopicDescription, TxnMarker } from "./types.ts";

export { LogError, isLogError, logErrors, type LogErrorCode } from "./errors.ts";
export { checkStoredBatch } from "./stored-batch.ts";
export type { LogOptions } from "./context.ts";
export type * from "./types.ts";

const GiB = 2 ** 30;

function safely<T>(f: () => T, otherwise: T): T {
  try {
    return f();
  } catch {
    return otherwise;
  }
}

export class Log {
  readonly #ctx: LogContext;
  readonly #commit: GroupCommit;
  readonly #topics: TopicAdmin;
  readonly #purges: TopicPurges;
  readonly #appends: AppendPath;
  readonly #reads: ReadPath;
  readonly #maintenance: Maintenance;
  readonly #cap: StorageCap;
  readonly #stores: Stores;
  readonly #producerIds: ProducerIds;
  readonly #owner: DataDirOwner;

  private constructor(o: LogOptions, owner: DataDirOwner) {
    this.#owner = owner;
    const tables = openTables(o.dataDir, o.mapSizeBytes ?? Math.max(2 * o.storage.maxBytes, GiB), "read-write", o.storage.sync);
    const logger = o.logger ?? createLogger("log");
    const counters = logCounters(o.metrics ?? new Metrics());
    const durability = new Durability(tables.env, o.storage, counters, o.dataDir);
    const ctx = (this.#ctx = new LogContext(o, tables, durability, logger, counters, loadTopics(tables.meta, o.log.waiterCountPerPartitionMax)));
    // The queue calls back into the modules below, which are all built before the first append.
    this.#commit = new GroupCommit({
      tables, storage: o.storage, durability, account: ctx.account, counters: ctx.counters,
      steps: {
        maintain: (txn) => this.#maintenance.maintain(txn),
        maintenanceFailed: (err) => logger.error(`retention or compaction failed and was skipped: ${err.message}; appends continue, and it is retried on the next check (a ledge bug: please report it)`),
        place: (txn, item) => this.#appends.place(txn, item),
        // A failed statfs has failed the log stop already (the queue sees it): just do not overlap.
        mayOverlap: () => !this.#maintenance.due && !durability.failure && safely(() => this.#cap.mayOverlap(this.#commit.queuedBytes), false),
      },
      recent: ctx.recent,
      appendQueueBytesMax: o.storage.appendQueueBytesMax,
      transactionBytesMax: o.storage.transactionBytesMax,
    });
    this.#cap = new StorageCap(ctx, () => [tables.batches, tables.times, tables.meta, ...this.#stores.tables()] as unknown as Database<unknown, string>[], o.storage.transactionBytesMax);
    this.#stores = new Stores(ctx, (what) => this.#cap.checkStoreWrite(what));
    this.#maintenance = new Maintenance(ctx, this.#commit);
    this.#appends = new AppendPath(ctx, this.#commit, this.#cap, this.#maintenance);
    this.#reads = new ReadPath(ctx);
    this.#purges = new TopicPurges(tables, durability, logger);
    // Fail-stop: refuse what waits, stop background work, and tell the process (README "Storage").
    durability.onFailure((error) => {
      this.#commit.failAll(error);
      this.#maintenance.stop();
      void this.#purges.stop();
      // Told after the current call unwinds (a failed statfs is found in the middle of building a transaction).
      const tell = o.onStorageFailure ?? ((e) => logger.error(e.message));
      queueMicrotask(() => tell(error, { exitAtOnce: durability.commitFailed }));
    });
    this.#topics = new TopicAdmin(ctx, this.#purges);
    this.#producerIds = new ProducerIds(ctx);
  }

  /** Throws LEDGE_ERR_DATA_DIR_IN_USE, before touching the log, when another process holds its
   * data directory (owner.ts: why no second process may open it). */
  static async open(options: LogOptions): Promise<Log> {
    mkdirSync(options.dataDir, { recursive: true });
    const owner = await DataDirOwner.claim(options.dataDir, options.ownerRole ?? `a ledge log (${process.argv.slice(1, 3).join(" ")})`);
    let log: Log;
    try {
      log = new Log(options, owner);
    } catch (err) {
      await owner.close();
      throw err;
    }
    owner.serve((request) => (request.op === "verify" ? log.verify() : log.backup(request.dir)));
    await log.#topics.applyConfigured(options.topics ?? []);
    log.#purges.resumeAll();
    return log;
  }

  // ---- verify and backup, for other ledge commands (owner.ts) -------------------------------

  /** Checks every stored batch and the meta table's counts, from one snapshot (verify.ts). */
  verify(): Promise<VerifyReport> {
    this.#ctx.checkOpen();
    return verifyTables(this.#ctx.tables);
  }

  /** A compacted, consistent copy of the log into `targetDir` (backup.ts). */
  async backup(targetDir: string): Promise<BackupResult> {
    this.#ctx.checkOpen();
    try {
      return await backupTables(this.#ctx.tables, targetDir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOENT too: Node's recursive mkdir reports it on a read-only mount.
      if (code !== "EACCES" && code !== "EPERM" && code !== "EROFS" && code !== "ENOENT") throw err;
      throw new Error(`${(err as Error).message}: this ledge (pid ${process.pid}) writes the copy itself, so give a directory it may write (as a systemd service: under /var/lib/ledge-backups), then copy it on`, { cause: err });
    }
  }

  // ---- topics (topic-admin.ts) ---------------------------------------------------------------

  createTopic(name: string, partitions: number, config?: Record<string, string | number>): Promise<TopicDescription> {
    return this.#topics.create(name, partitions, config);
  }

  /** Waiting readers reject with UNKNOWN_TOPIC; the data is removed in the background. Resolves
   * once the topic is gone and every onTopicChange listener's work for it is done. */
  deleteTopic(name: string): Promise<void> {
    return this.#topics.delete(name);
  }

  /** Grows a topic to `totalPartitions` (never shrinks). */
  addPartitions(name: string, totalPartitions: number): Promise<void> {
    return this.#topics.addPartitions(name, totalPartitions);
  }

  /**
   * Calls `listener` after a topic is created, deleted or grows partitions (whoever did it: a
   * Kafka client, the config, auto-creation); a promise it returns is awaited by that call.
   * Returns the function that unregisters it.
   */
  onTopicChange(listener: TopicChangeListener): () => void {
    return this.#topics.onChange(listener);
  }

  /** Sorted by name. */
  listTopics(): TopicDescription[] {
    return this.#topics.list();
  }

  describeTopic(name: string): TopicDescription | undefined {
    return this.#topics.describe(name);
  }

  /** The topic, auto-created (as configured in `topics`, else log.partitionCountDefault) when
   * log.autoCreateTopics allows. */
  ensureTopic(name: string): Promise<TopicDescription> {
    return this.#topics.ensure(name);
  }

  // ---- append (append-path.ts) ---------------------------------------------------------------

  /**
   * Validates one foreign RecordBatch v2 (a Kafka producer's), assigns its offsets and resolves
   * once it is durable under storage.sync. The log patches baseOffset in `batch` itself and LMDB
   * reads it at commit: do not modify `batch` until the promise settles.
   */
  append(topic: string, partition: number, batch: Uint8Array): Promise<AppendResult> {
    return this.#appends.append(topic, partition, batch);
  }

  /** append() for a batch runtime/core encoded (MQTT ingest): only its header is read. */
  appendEncoded(topic: string, partition: number, batch: EncodedBatch): Promise<AppendResult> {
    return this.#appends.appendEncoded(topic, partition, batch);
  }

  /**
   * Appends runtime/core-encoded plain batches and writes checkpoint `name`'s value, in one LMDB
   * transaction: after any crash, all of them are stored or none (a pipeline's output and the
   * state and source offsets it covers). Resolves once durable under storage.sync.
   */
  appendWithCheckpoint(batches: Array<{ topic: string; partition: number; batch: EncodedBatch }>, name: string, value: unknown): Promise<void> {
    return this.#appends.appendGroup(batches, { key: metaKeys.checkpoint(name), value });
  }

  /** The value appendWithCheckpoint last stored under `name` (msgpack: Uint8Arrays read back as Buffers). */
  readCheckpoint(name: string): unknown {
    this.#ctx.checkOpen();
    return this.#ctx.tables.meta.get(metaKeys.checkpoint(name));
  }

  /** Forgets checkpoint `name` (a removed pipeline); durable before it resolves. */
  removeCheckpoint(name: string): Promise<void> {
    this.#ctx.checkOpen();
    return this.#ctx.durable(this.#ctx.tables.meta.remove(metaKeys.checkpoint(name)), `removing checkpoint ${name}`);
  }

  // ---- read (read-path.ts) -------------------------------------------------------------------

  /** Whole batches from the one holding `offset` (sync). Empty at the high watermark. */
  read(topic: string, partition: number, offset: number, maxBytes: number): ReadResult {
    return this.#reads.read(topic, partition, offset, maxBytes);
  }

  /** read() into a buffer the caller owns and reuses: batches are views into `into`, valid until
   * the caller writes to it again (sync). A first batch larger than `into` comes in its own Buffer. */
  readInto(topic: string, partition: number, offset: number, maxBytes: number, into: Uint8Array): ReadResult {
    return this.#reads.read(topic, partition, offset, maxBytes, into);
  }

  /** Each stored batch from the one holding `offset` below `endOffset`, in place, until `visit`
   * returns false (sync). A batch is valid only during its call: for sizes and headers. */
  visitBatches(topic: string, partition: number, offset: number, endOffset: number, visit: (batch: Uint8Array) => boolean): void {
    this.#reads.visitBatches(topic, partition, offset, endOffset, visit);
  }

  /**
   * read() at read_committed: batches below the last stable offset only, and the aborted
   * transactions whose data the range holds (result.abortedTransactions); control batches are
   * included, as Kafka sends them. `into` as in readInto.
   */
  readCommitted(topic: string, partition: number, offset: number, maxBytes: number, into?: Uint8Array): ReadResult {
    return this.#reads.readCommitted(topic, partition, offset, maxBytes, into);
  }

  /** waitForData for read_committed readers: true once the last stable offset passes `offset`. */
  waitForStable(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#reads.waitForStable(topic, partition, offset, timeoutMs, signal);
  }

  /** waitForStable over several partitions, with one timer: true once any may have news. */
  waitForAnyStable(wants: ReadonlyArray<{ topic: string; partition: number; offset: number }>, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#reads.waitForAnyStable(wants, timeoutMs, signal);
  }

  /** Writes a transaction's COMMIT or ABORT marker into one partition; resolves once durable. */
  appendMarker(topic: string, partition: number, marker: TxnMarker): Promise<AppendResult> {
    return this.#appends.appendMarker(topic, partition, marker);
  }

  /** True once the high watermark passes `offset`; false on timeout or abort. No polling. */
  waitForData(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.#reads.waitForData(topic, partition, offset, timeoutMs, signal);
  }

  partitionState(topic: string, partition: number): PartitionState {
    return this.#reads.partitionState(topic, partition);
  }

  /** Bytes of the batches a partition stores (what retention.bytes and storage.maxBytes count). */
  storedBytes(topic: string, partition: number): number {
    return this.#reads.storedBytes(topic, partition);
  }

  offsetForTimestamp(topic: string, partition: number, timestampMs: number): number | null {
    return this.#reads.recordAtTimestamp(topic, partition, timestampMs)?.offset ?? null;
  }

  /** The first record with timestamp >= timestampMs: its offset and its own timestamp (ListOffsets answers both). */
  recordAtTimestamp(topic: string, partition: number, timestampMs: number): { offset: number; timestampMs: number } | null {
    return this.#reads.recordAtTimestamp(topic, partition, timestampMs);
  }

  // ---- retention (maintenance.ts) ------------------------------------------------------------

  /**
   * `holder`'s "protected from" (the bridge, MQTT persistent sessions): retention keeps offsets
   * >= the lowest holder's (unless the storage cap forces it); -1 protects nothing (for that
   * holder). Persisted with the next commit; resolves once durable.
   */
  async setProtectedOffset(topic: string, partition: number, offset: number, holder = "bridge"): Promise<void> {
    this.#ctx.checkOpen();
    await this.#maintenance.setProtectedOffset(this.#ctx.partition(topic, partition), offset, holder);
  }

  /** Runs retention now (it also runs on a timer and after enough appends); resolves when done. */
  async applyRetention(): Promise<void> {
    this.#ctx.checkOpen();
    await this.#maintenance.applyNow();
  }

  // ---- side tables (stores.ts, producer-ids.ts) ----------------------------------------------

  /** A durable key-value store (msgpack values; put/remove resolve once durable). */
  openStore<V>(name: string): KeyValueStore<V> {
    return this.#stores.open<V>(name);
  }

  allocateProducerId(): Promise<number> {
    return this.#producerIds.allocate();
  }

  // ---- the rest ------------------------------------------------------------------------------

  /** The LMDB environment, for tests that pin the durability contract. Not for other parts. */
  get envForTests(): object {
    return this.#ctx.tables.env;
  }

  /** Why writes are refused for lack of space right now, or null (StorageCap.refusal). */
  storageRefusal(): string | null {
    return this.#cap.refusal();
  }

  metrics(): Record<string, number> {
    const counters = this.#ctx.counters;
    counters.storedBytes.set(this.#ctx.account.totalBytes);
    counters.queuedBytes.set(this.#commit.queuedBytes);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(counters)) out[k] = v.value;
    return out;
  }

  /** The device failure that stopped the log (fail-stop), or null while its disk works. */
  get storageFailure(): LogError | null {
    return this.#ctx.durability.failure;
  }

  /**
   * Finishes in-flight commits and background deletions, syncs, then closes LMDB. After a
   * device failure: one last sync attempt, and the LMDB handle is left alone (never trusted again).
   */
  async close(): Promise<void> {
    const ctx = this.#ctx;
    if (ctx.closed) return;
    if (ctx.durability.failure) {
      ctx.markClosed();
      this.#commit.close();
      await ctx.durability.flushWhatCan();
      for (const t of ctx.topics.values()) for (const p of t.partitions) p.waiters.failAll(ctx.durability.failure);
      await this.#owner.close();
      return;
    }
    const purged = this.#purges.stop();
    this.#maintenance.stop();
    await this.#commit.drain();
    await ctx.durability.flushAll();
    ctx.markClosed();
    this.#commit.close();
    await purged;
    for (const t of ctx.topics.values()) for (const p of t.partitions) p.waiters.failAll(new LogError("LEDGE_ERR_LOG_CLOSED", `log closed while a reader waited on ${t.name}/${p.index}`));
    await closeTables(ctx.tables);
    await this.#owner.close();
  }
}
