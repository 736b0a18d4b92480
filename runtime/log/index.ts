// The durable log: topic partitions of Kafka record batches on LMDB. The public surface that
// gateways, the bridge and pipelines call; see README "Storage" for what durable means.
import type { Database } from "lmdb";
import type { LogConfig, StorageConfig, TopicConfig } from "../config/schema.ts";
import { createLogger, type Logger } from "../logger.ts";
import { Metrics } from "../metrics/index.ts";
import { GroupOffsets, type CommittedOffset } from "../groups/offsets.ts";
import { assignOffsets, encodedBatchHeader, validateForeignBatch } from "./stored-batch.ts";
import type { BatchHeader, EncodedBatch } from "../core/index.ts";
import { GroupCommit, type PendingAppend, type Placed } from "./commit-queue.ts";
import { logCounters, type LogCounters } from "./counters.ts";
import { LogError } from "./errors.ts";
import { topicBounds, BATCH_KEY_BYTES, TIME_KEY_BYTES } from "./keys.ts";
import { LmdbKeyValueStore } from "./kv-store.ts";
import { DiskGuard } from "./disk-guard.ts";
import { closeTables, commitOutcome, flushedNow, KV_TABLE_COUNT_MAX, openTables, type LogTables } from "./lmdb-env.ts";
import { metaKeys, newPartition, PRODUCER_CACHE_COUNT_MAX, type Partition, type Topic } from "./partition.ts";
import { checkSequence, lastSequence, withBatch, type ProducerEntry } from "./producer-state.ts";
import { recordAtTimestamp, readBatches } from "./read.ts";
import { compactPartition } from "./compaction.ts";
import { dropOldest, retainPartition, trimTimeIndex } from "./retention.ts";
import { checkNewTopic, describe, loadTopics, makeTopic, persistedTopic, PARTITION_COUNT_MAX } from "./topics.ts";
import type { Txn, StorageAccount } from "./txn.ts";
import type { AppendResult, KeyValueStore, PartitionState, ReadResult, TopicChange, TopicDescription } from "./types.ts";

export { LogError, isLogError, logErrors, type LogErrorCode } from "./errors.ts";
export { checkStoredBatch } from "./stored-batch.ts";
export type * from "./types.ts";

export interface LogOptions {
  dataDir: string;
  storage: StorageConfig;
  log: LogConfig;
  topics?: TopicConfig[];
  /** LMDB map size; default max(2 x storage.maxBytes, 1 GiB). lmdb-js grows it when full. */
  mapSizeBytes?: number;
  logger?: Logger;
  metrics?: Metrics;
  /** How often retention runs (default 60 s); it also runs after enough bytes were appended. */
  retentionCheckIntervalMs?: number;
  /** Appends are refused while fewer bytes than this stay free on the data disk (default 16 MiB). */
  diskFreeBytesMin?: number;
  /** Bytes of appends waiting for a commit before append() callers wait (default 64 MiB). */
  appendQueueBytesMax?: number;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Bytes between sparse time-index entries of a partition. */
const TIME_INDEX_INTERVAL_BYTES = 64 * 1024;
/** Batches retention deletes per transaction; the rest wait for the next one. */
const RETENTION_BATCHES_PER_TXN = 20_000;
const kvFreeCheckIntervalMs = 100;
const TXN_BYTES_MAX = 32 * MiB;
/** Headroom to overlap transactions: two of up to TXN_BYTES_MAX, pages copied on write (counted twice). */
const OVERLAP_DISK_HEADROOM_BYTES = 2 * 2 * TXN_BYTES_MAX;
const PURGE_KEYS_PER_TXN = 5_000;

export class Log {
  readonly groups: GroupOffsets;
  readonly #tables: LogTables;
  readonly #o: LogOptions;
  readonly #logger: Logger;
  readonly #counters: LogCounters;
  readonly #topics: Map<string, Topic>;
  readonly #account: StorageAccount = { totalBytes: 0 };
  readonly #commit: GroupCommit;
  readonly #stores = new Map<string, LmdbKeyValueStore<unknown>>();
  readonly #retentionTimer: NodeJS.Timeout;
  readonly #disk: DiskGuard;
  readonly #diskFreeBytesMin: number;
  #retentionDue = false;
  readonly #compactedUpTo = new WeakMap<Partition, number>();
  /** Partitions whose protected offset changed since the last transaction. */
  readonly #protectedChanged = new Set<Partition>();
  #bytesSinceRetention = 0;
  #topicIdNext: number;
  #producerIdNext: number;
  #purges: Promise<void> = Promise.resolve();
  #closed = false;
  /** close() began: background removal stops at its next chunk. */
  #stopping = false;
  readonly #topicListeners = new Set<(change: TopicChange) => void>();

  private constructor(o: LogOptions, tables: LogTables) {
    this.#o = o;
    this.#tables = tables;
    this.#logger = o.logger ?? createLogger("log");
    this.#counters = logCounters(o.metrics ?? new Metrics());
    this.#topics = loadTopics(tables.meta);
    for (const t of this.#topics.values()) for (const p of t.partitions) this.#account.totalBytes += p.bytes;
    this.#topicIdNext = (tables.meta.get(metaKeys.topicIdNext) as number | undefined) ?? 1;
    this.#producerIdNext = (tables.meta.get(metaKeys.producerIdNext) as number | undefined) ?? 1000;
    this.#commit = new GroupCommit({
      tables, storage: o.storage, account: this.#account, counters: this.#counters,
      steps: {
        maintain: (txn) => this.#maintain(txn),
        maintenanceFailed: (err) => this.#logger.error(`retention or compaction failed and was skipped: ${err.message}; appends continue, and it is retried on the next check (a ledge bug: please report it)`),
        place: (txn, item) => this.#place(txn, item),
        mayOverlap: () => this.#mayOverlap(),
      },
      queueBytesMax: o.appendQueueBytesMax ?? 64 * MiB,
      txnBytesMax: TXN_BYTES_MAX,
    });
    this.#diskFreeBytesMin = o.diskFreeBytesMin ?? 16 * MiB;
    const lmdbTables = () => [tables.batches, tables.times, tables.meta, ...[...this.#stores.values()].map((s) => s.table)] as unknown as Database<unknown, string>[];
    this.#disk = new DiskGuard(o.dataDir, tables.env, lmdbTables, this.#diskFreeBytesMin);
    this.#retentionTimer = setInterval(() => this.#requestRetention(), o.retentionCheckIntervalMs ?? 60_000).unref();
    this.groups = new GroupOffsets(this.openStore<CommittedOffset>("group-offsets"));
  }

  static async open(options: LogOptions): Promise<Log> {
    const mapSizeBytes = options.mapSizeBytes ?? Math.max(2 * options.storage.maxBytes, GiB);
    const log = new Log(options, openTables(options.dataDir, mapSizeBytes));
    for (const t of options.topics ?? []) {
      const existing = log.describeTopic(t.name);
      if (!existing) await log.createTopic(t.name, t.partitions, t.config);
      else if (existing.partitions < t.partitions) await log.addPartitions(t.name, t.partitions);
    }
    log.#resumePurges();
    return log;
  }

  // ---- topics -------------------------------------------------------------------------------

  async createTopic(name: string, partitions: number, config?: Record<string, string | number>): Promise<TopicDescription> {
    this.#open();
    const effective = checkNewTopic(this.#topics, name, partitions, config);
    const topic = makeTopic(this.#topicIdNext++, name, effective);
    for (let i = 0; i < partitions; i++) topic.partitions.push(newPartition(topic, i));
    this.#topics.set(name, topic);
    const { meta } = this.#tables;
    meta.put(metaKeys.topicIdNext, this.#topicIdNext).catch(() => undefined);
    for (const p of topic.partitions) meta.put(metaKeys.partition(topic.id, p.index), { logStartOffset: 0, nextOffset: 0, bytes: 0, protectedOffset: -1, indexedMaxTimestampMs: 0 }).catch(() => undefined);
    await this.#durable(meta.put(metaKeys.topic(name), persistedTopic(topic)), `creating topic '${name}'`);
    this.#logger.info(`created topic '${name}' with ${partitions} partitions`);
    this.#topicChanged({ topic: name, kind: "created" });
    return describe(topic);
  }

  async deleteTopic(name: string): Promise<void> {
    this.#open();
    const topic = this.#topic(name);
    topic.deleted = true;
    this.#topics.delete(name);
    for (const p of topic.partitions) {
      this.#account.totalBytes -= p.bytes;
      p.waiters.failAll(new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' was deleted while a reader waited on partition ${p.index}`));
    }
    const { meta } = this.#tables;
    meta.put(metaKeys.deletedTopic(topic.id), name).catch(() => undefined);
    for (const p of topic.partitions) meta.remove(metaKeys.partition(topic.id, p.index)).catch(() => undefined);
    await this.#durable(meta.remove(metaKeys.topic(name)), `deleting topic '${name}'`);
    await this.groups.deleteTopic(name);
    this.#schedulePurge(topic.id);
    this.#logger.info(`deleted topic '${name}'; its data is being removed in the background`);
    this.#topicChanged({ topic: name, kind: "deleted" });
  }

  async addPartitions(name: string, totalPartitions: number): Promise<void> {
    this.#open();
    const topic = this.#topic(name);
    const now = topic.partitions.length;
    if (!Number.isInteger(totalPartitions) || totalPartitions < now || totalPartitions > PARTITION_COUNT_MAX) {
      throw new LogError("LEDGE_ERR_INVALID_PARTITIONS", `topic '${name}' has ${now} partitions and cannot go to ${totalPartitions} (grow only, at most ${PARTITION_COUNT_MAX})`);
    }
    for (let i = now; i < totalPartitions; i++) topic.partitions.push(newPartition(topic, i));
    await this.#durable(this.#tables.meta.put(metaKeys.topic(name), persistedTopic(topic)), `adding partitions to topic '${name}'`);
    if (totalPartitions > now) this.#topicChanged({ topic: name, kind: "partitions-added" });
  }

  /**
   * Calls `listener` after a topic is created, deleted or grows partitions (whoever did it: a
   * Kafka client, the config, auto-creation). Returns the function that unregisters it.
   */
  onTopicChange(listener: (change: TopicChange) => void): () => void {
    this.#topicListeners.add(listener);
    return () => this.#topicListeners.delete(listener);
  }

  #topicChanged(change: TopicChange): void {
    for (const listener of this.#topicListeners) {
      try {
        listener(change);
      } catch (err) {
        this.#logger.error(`a listener for changes of topic '${change.topic}' failed: ${(err as Error).message} (a ledge bug: please report it)`);
      }
    }
  }

  listTopics(): TopicDescription[] {
    return [...this.#topics.values()].map(describe).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  describeTopic(name: string): TopicDescription | undefined {
    const t = this.#topics.get(name);
    return t ? describe(t) : undefined;
  }

  /** The topic, auto-created (as configured in `topics`, else log.partitionCountDefault) when
   * log.autoCreateTopics allows. */
  async ensureTopic(name: string): Promise<TopicDescription> {
    const t = this.#topics.get(name);
    if (t) return describe(t);
    if (!this.#o.log.autoCreateTopics) {
      throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' does not exist and log.autoCreateTopics is off`);
    }
    // A topic named in the config's `topics` comes back with its configured partitions and settings.
    const configured = this.#o.topics?.find((t) => t.name === name);
    try {
      return await this.createTopic(name, configured?.partitions ?? this.#o.log.partitionCountDefault, configured?.config);
    } catch (err) {
      const raced = this.#topics.get(name);
      if (raced && err instanceof LogError && err.code === "LEDGE_ERR_TOPIC_EXISTS") return describe(raced);
      throw err;
    }
  }

  // ---- append and read ----------------------------------------------------------------------

  /**
   * Validates one foreign RecordBatch v2 (a Kafka producer's), assigns its offsets and resolves
   * once it is durable under storage.sync. The log patches baseOffset in `batch` itself and LMDB
   * reads it at commit: do not modify `batch` until the promise settles.
   */
  async append(topic: string, partition: number, batch: Uint8Array): Promise<AppendResult> {
    this.#open();
    const p = this.#partition(topic, partition);
    this.#checkSize(p, batch);
    const header = validateForeignBatch(batch, `${topic}/${partition}`, false);
    return this.#enqueue(p, batch, header);
  }

  /**
   * append() for a batch runtime/core encoded (MQTT ingest): the encoder's output needs no
   * second walk or CRC pass, so only its header is read (and, on a compacted topic, its keys).
   */
  async appendEncoded(topic: string, partition: number, batch: EncodedBatch): Promise<AppendResult> {
    this.#open();
    const p = this.#partition(topic, partition);
    this.#checkSize(p, batch);
    const header = encodedBatchHeader(batch, `${topic}/${partition}`, false);
    return this.#enqueue(p, batch, header);
  }

  #checkSize(p: Partition, batch: Uint8Array): void {
    const maxBytes = p.topic.settings.maxMessageBytes;
    if (batch.byteLength > maxBytes) {
      throw new LogError("LEDGE_ERR_MESSAGE_TOO_LARGE", `record batch of ${batch.byteLength} bytes for ${p.topic.name}/${p.index} is over max.message.bytes ${maxBytes}`);
    }
  }

  #enqueue(p: Partition, bytes: Uint8Array, header: BatchHeader): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.#commit.enqueue({ partition: p, bytes, header, resolve, reject }).catch(reject);
    });
  }

  /** Whole batches from the one holding `offset` (sync). Empty at the high watermark. */
  read(topic: string, partition: number, offset: number, maxBytes: number): ReadResult {
    return readBatches(this.#tables, this.#partition(topic, partition), offset, maxBytes);
  }

  /** read() into a buffer the caller owns and reuses: batches are views into `into`, valid until
   * the caller writes to it again (sync). A first batch larger than `into` comes in its own Buffer. */
  readInto(topic: string, partition: number, offset: number, maxBytes: number, into: Uint8Array): ReadResult {
    return readBatches(this.#tables, this.#partition(topic, partition), offset, maxBytes, into);
  }

  /** True once the high watermark passes `offset`; false on timeout or abort. No polling. */
  waitForData(topic: string, partition: number, offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    let p: Partition;
    try {
      p = this.#partition(topic, partition);
    } catch (err) {
      return Promise.reject(err);
    }
    if (p.highWatermark > offset) return Promise.resolve(true);
    return p.waiters.wait(offset, timeoutMs, signal);
  }

  partitionState(topic: string, partition: number): PartitionState {
    const p = this.#partition(topic, partition);
    return { logStartOffset: p.logStartOffset, highWatermark: p.highWatermark };
  }

  offsetForTimestamp(topic: string, partition: number, timestampMs: number): number | null {
    return this.recordAtTimestamp(topic, partition, timestampMs)?.offset ?? null;
  }

  /** The first record with timestamp >= timestampMs: its offset and its own timestamp (ListOffsets answers both). */
  recordAtTimestamp(topic: string, partition: number, timestampMs: number): { offset: number; timestampMs: number } | null {
    return recordAtTimestamp(this.#tables, this.#partition(topic, partition), timestampMs);
  }

  /** The bridge's "protected from": retention keeps offsets >= this (unless the cap forces). */
  /**
   * The bridge's "protected from": retention keeps offsets >= this (unless the storage cap
   * forces it); -1 protects nothing. Persisted with the next commit; resolves once durable.
   */
  async setProtectedOffset(topic: string, partition: number, offset: number): Promise<void> {
    this.#open();
    const p = this.#partition(topic, partition);
    if (!Number.isSafeInteger(offset) || offset < -1) {
      throw new LogError("LEDGE_ERR_OFFSET_OUT_OF_RANGE", `protected offset ${offset} for ${topic}/${partition} is not an offset (or -1 for none)`);
    }
    p.protectedOffset = offset;
    this.#protectedChanged.add(p);
    this.#commit.requestMaintenance();
    await this.#commit.drain();
  }

  /** Runs retention now (it also runs on a timer and after enough appends); resolves when done. */
  async applyRetention(): Promise<void> {
    this.#open();
    this.#requestRetention();
    await this.#commit.drain();
  }

  // ---- side tables --------------------------------------------------------------------------

  openStore<V>(name: string): KeyValueStore<V> {
    let store = this.#stores.get(name);
    if (!store) {
      if (this.#stores.size >= KV_TABLE_COUNT_MAX) throw new Error(`ledge: cannot open store '${name}': at most ${KV_TABLE_COUNT_MAX} stores (a ledge bug)`);
      const db = this.#tables.env.openDB<unknown, string>({ name: `kv:${name}`, encoding: "msgpack" });
      store = new LmdbKeyValueStore<unknown>(name, db, () => this.#flushed(), (what) => this.#checkDiskSpace(what));
      this.#stores.set(name, store);
    }
    return store as unknown as KeyValueStore<V>;
  }

  async allocateProducerId(): Promise<number> {
    this.#open();
    const id = this.#producerIdNext++;
    await this.#durable(this.#tables.meta.put(metaKeys.producerIdNext, this.#producerIdNext), "allocating a producer id");
    return id;
  }

  /** The LMDB environment, for tests that pin the durability contract. Not for other parts. */
  get envForTests(): object {
    return this.#tables.env;
  }

  metrics(): Record<string, number> {
    this.#counters.storedBytes.set(this.#account.totalBytes);
    this.#counters.queuedBytes.set(this.#commit.queuedBytes);
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.#counters)) out[k] = v.value;
    return out;
  }

  /** Finishes in-flight commits and background deletions, then closes LMDB. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#stopping = true;
    clearInterval(this.#retentionTimer);
    await this.#commit.drain();
    this.#closed = true;
    this.#commit.close();
    await this.#purges;
    for (const t of this.#topics.values()) for (const p of t.partitions) p.waiters.failAll(new LogError("LEDGE_ERR_LOG_CLOSED", `log closed while a reader waited on ${t.name}/${p.index}`));
    await closeTables(this.#tables);
  }

  // ---- inside the commit --------------------------------------------------------------------

  #place(txn: Txn, item: PendingAppend): Placed {
    const p = item.partition;
    const info = item.header;
    const where = `${p.topic.name}/${p.index}`;
    if (p.topic.deleted) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${p.topic.name}' was deleted before the append committed`);
    let producer: ProducerEntry | undefined;
    let lastSeq = -1;
    if (info.producerId >= 0) {
      producer = this.#producer(p, info.producerId);
      lastSeq = lastSequence(info.baseSequence, info.lastOffsetDelta);
      const verdict = checkSequence(producer, info.producerEpoch, info.baseSequence, lastSeq, `producer ${info.producerId} on ${where}`);
      if (verdict.duplicateOf >= 0) {
        this.#counters.duplicates.inc();
        return { baseOffset: verdict.duplicateOf, duplicate: true };
      }
    }
    this.#makeRoom(txn, item.bytes.byteLength, where);
    if (!this.#disk.admit(txn, item.bytes.byteLength)) {
      this.#counters.rejectedFull.inc();
      throw new LogError("LEDGE_ERR_STORAGE_FULL", `append of ${item.bytes.byteLength} bytes to ${where} refused: ${this.#disk.diskFreeBytes()} bytes are free on the disk of ${this.#o.dataDir}, too few for the commit plus the ${this.#diskFreeBytesMin} bytes ledge keeps free`);
    }
    const baseOffset = p.nextOffset;
    assignOffsets(item.bytes, baseOffset);
    txn.putBatch(p, baseOffset, item.bytes);
    p.nextOffset = baseOffset + info.lastOffsetDelta + 1;
    if (info.producerId >= 0) txn.setProducer(p, info.producerId, withBatch(producer, info.producerEpoch, { firstSeq: info.baseSequence, lastSeq, baseOffset }));
    this.#index(txn, p, baseOffset, info.maxTimestampMs, item.bytes.byteLength);
    this.#counters.appends.inc();
    this.#counters.appendedRecords.inc(info.recordCount);
    this.#counters.appendedBytes.inc(item.bytes.byteLength);
    this.#bytesSinceRetention += item.bytes.byteLength;
    if (this.#bytesSinceRetention > Math.max(64 * MiB, this.#o.storage.maxBytes / 100)) this.#requestRetention();
    return { baseOffset, duplicate: false };
  }

  #index(txn: Txn, p: Partition, baseOffset: number, maxTimestampMs: number, bytes: number): void {
    p.indexedMaxTimestampMs = Math.max(p.indexedMaxTimestampMs, maxTimestampMs);
    p.indexBytesPending += bytes;
    if (p.indexBytesPending >= TIME_INDEX_INTERVAL_BYTES) {
      txn.putTimeEntry(p, p.indexedMaxTimestampMs, baseOffset);
      p.indexBytesPending = 0;
    }
  }

  /** Enforces storage.maxBytes for one more batch: refuse, or drop the oldest data. */
  #makeRoom(txn: Txn, bytes: number, where: string): void {
    const { maxBytes, overflow } = this.#o.storage;
    const over = this.#account.totalBytes + bytes - maxBytes;
    if (over <= 0) return;
    if (overflow === "drop-oldest") {
      for (const d of dropOldest(this.#tables, txn, this.#topics.values(), over, 100_000)) {
        this.#counters.droppedRecords.inc(d.records);
        this.#counters.droppedBytes.inc(d.bytes);
        const lost = d.unreplicated > 0 ? `; ${d.unreplicated} of those records were not yet replicated upstream` : "";
        this.#logger.warn(`storage.maxBytes (${maxBytes} bytes) reached: dropped offsets ${d.firstOffset}..${d.lastOffset} (${d.records} records, ${d.bytes} bytes) of ${d.partition.topic.name}/${d.partition.index} to make room${lost}; raise storage.maxBytes or lower retention to keep more`);
      }
      if (this.#account.totalBytes + bytes <= maxBytes) return;
    }
    this.#counters.rejectedFull.inc();
    throw new LogError("LEDGE_ERR_STORAGE_FULL", `append of ${bytes} bytes to ${where} refused: storage.maxBytes is ${maxBytes} bytes and ${this.#account.totalBytes} are stored (overflow: ${overflow})`);
  }

  #maintain(txn: Txn): void {
    for (const p of this.#protectedChanged) if (!p.topic.deleted) txn.touch(p);
    this.#protectedChanged.clear();
    if (!this.#retentionDue) return;
    this.#retentionDue = false;
    this.#bytesSinceRetention = 0;
    const now = Date.now();
    let budget = RETENTION_BATCHES_PER_TXN;
    for (const t of this.#topics.values()) {
      for (const p of t.partitions) {
        // Every earlier transaction has committed, so evicted entries reload intact.
        while (p.producers.size > PRODUCER_CACHE_COUNT_MAX) p.producers.delete(p.producers.keys().next().value as number);
        const removed = retainPartition(this.#tables, txn, p, now, budget);
        budget -= removed;
        this.#counters.retainedOutBatches.inc(removed);
        if (removed > 0) trimTimeIndex(this.#tables, txn, p, RETENTION_BATCHES_PER_TXN);
        if (t.settings.cleanupPolicy !== "delete") this.#compact(txn, p, now);
        if (budget <= 0) {
          this.#requestRetention(); // more to do in the next transaction
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
      outcome = compactPartition(this.#tables, txn, p, nowMs);
    } catch (err) {
      this.#logger.error(`compaction of ${p.topic.name}/${p.index} failed and left it as it was: ${(err as Error).message}; it is retried after new appends`);
      return;
    }
    this.#counters.compactedRecords.inc(outcome.recordsRemoved);
    if (outcome.skipped) this.#logger.warn(`compaction of ${p.topic.name}/${p.index} skipped: ${outcome.skipped}; use fewer distinct keys or cleanup.policy=delete`);
  }

  #producer(p: Partition, producerId: number): ProducerEntry | undefined {
    let entry = p.producers.get(producerId);
    if (!entry) {
      entry = this.#tables.meta.get(metaKeys.producer(p.topic.id, p.index, producerId)) as ProducerEntry | undefined;
      if (entry) p.producers.set(producerId, entry);
    }
    return entry;
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * A transaction may be issued while another commits only if it cannot need retention or the
   * storage cap (they read committed data) and the disk has room for both (the disk guard
   * counts one transaction at a time).
   */
  #mayOverlap(): boolean {
    if (this.#retentionDue) return false;
    // The next transaction takes at most the queued bytes: if they fit, no drop-oldest runs.
    if (this.#account.totalBytes + this.#commit.queuedBytes > this.#o.storage.maxBytes) return false;
    return this.#disk.diskFreeBytes() > this.#diskFreeBytesMin + OVERLAP_DISK_HEADROOM_BYTES;
  }

  #requestRetention(): void {
    if (this.#closed) return;
    this.#retentionDue = true;
    this.#commit.requestMaintenance();
  }

  /** The disk's free bytes as last asked (a statfs per store write was ~15% of the cost of
   * delivering to a persistent session), and when. */
  #kvFreeBytes = 0;
  #kvFreeCheckedAtMs = 0;

  /** For writes outside the commit queue (KV stores): refuse when the disk is nearly full. */
  #checkDiskSpace(what: string): void {
    // Store writes are small: with several times the reserve free, an answer 100 ms old will do.
    const nowMs = Date.now();
    if (this.#kvFreeBytes < 4 * this.#diskFreeBytesMin || nowMs - this.#kvFreeCheckedAtMs >= kvFreeCheckIntervalMs) {
      this.#kvFreeBytes = this.#disk.diskFreeBytes();
      this.#kvFreeCheckedAtMs = nowMs;
    }
    const free = this.#kvFreeBytes;
    if (free >= this.#diskFreeBytesMin) return;
    throw new LogError("LEDGE_ERR_STORAGE_FULL", `${what} refused: ${free} bytes are free on the disk of ${this.#o.dataDir}, under the ${this.#diskFreeBytesMin} bytes ledge keeps free`);
  }

  #flushed(): Promise<unknown> {
    return this.#o.storage.sync === "always" ? flushedNow(this.#tables.env) : Promise.resolve();
  }

  async #durable(write: Promise<unknown>, what: string): Promise<void> {
    await commitOutcome(write, what);
    await this.#flushed();
  }

  /** Removes a deleted topic's batches and time entries, a bounded chunk per transaction. */
  async #purge(topicId: number): Promise<void> {
    const { batches, times, meta } = this.#tables;
    await batches.committed;
    for (const [db, keyBytes] of [[batches, BATCH_KEY_BYTES], [times, TIME_KEY_BYTES]] as const) {
      const { start, end } = topicBounds(topicId, keyBytes);
      for (;;) {
        if (this.#stopping) return; // the marker stays: the next start finishes the removal
        const keys = [...db.getKeys({ start, end, limit: PURGE_KEYS_PER_TXN, snapshot: false })].map((k) => Buffer.from(k));
        if (keys.length === 0) break;
        const removes = keys.map((k) => db.remove(k));
        for (const r of removes.slice(0, -1)) r.catch(() => undefined);
        await commitOutcome(removes[removes.length - 1], `removing data of deleted topic id ${topicId}`);
      }
    }
    for (const { key } of meta.getRange({ start: `s/${topicId}/`, end: `s/${topicId}0` })) meta.remove(key as string).catch(() => undefined);
    await commitOutcome(meta.remove(metaKeys.deletedTopic(topicId)), `finishing deletion of topic id ${topicId}`);
  }

  #resumePurges(): void {
    for (const { key } of this.#tables.meta.getRange({ start: metaKeys.deletedPrefix })) {
      if (typeof key !== "string" || !key.startsWith(metaKeys.deletedPrefix)) break;
      this.#schedulePurge(Number(key.slice(metaKeys.deletedPrefix.length)));
    }
  }

  #schedulePurge(topicId: number): void {
    this.#purges = this.#purges
      .then(() => this.#purge(topicId))
      .catch((err: Error) => this.#logger.error(`removing the data of deleted topic id ${topicId} failed: ${err.message}; it is retried at the next start`));
  }

  #topic(name: string): Topic {
    const t = this.#topics.get(name);
    if (!t) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' does not exist`);
    return t;
  }

  #partition(topic: string, partition: number): Partition {
    const p = this.#topic(topic).partitions[partition];
    if (!p) throw new LogError("LEDGE_ERR_UNKNOWN_PARTITION", `partition ${partition} of topic '${topic}' does not exist`);
    return p;
  }

  #open(): void {
    if (this.#closed) throw new LogError("LEDGE_ERR_LOG_CLOSED", "the log is closed");
  }
}
