// What the log's modules share: options, tables, the topic registry, the byte account, logging
// and counters, and the few helpers every module needs (lookups, durability). The facade
// (index.ts) builds one; each module takes it and keeps to its own job.
import type { LogConfig, StorageConfig, TopicConfig } from "../config/schema.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/index.ts";
import type { LogCounters } from "./counters.ts";
import { LogError } from "./errors.ts";
import type { Durability } from "./durability.ts";
import type { LogTables } from "./lmdb-env.ts";
import type { Partition, Topic } from "./partition.ts";
import type { StorageAccount } from "./txn.ts";
import { RecentBatches } from "./recent-batches.ts";

export interface LogOptions {
  dataDir: string;
  /** How this process is named to another that finds the data directory taken (owner.ts). */
  ownerRole?: string;
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
  /**
   * Called once when a write, fsync or statfs of the data directory fails (fail-stop): every
   * write is refused with LEDGE_ERR_STORAGE_FAILED from then on. `exitAtOnce`: a commit failed
   * inside lmdb-js, whose heap may now be corrupt (durability.ts, flushWhatCan): the process
   * should end within the turn, not shut down at leisure. Default: log it as an error.
   */
  onStorageFailure?: (error: LogError, how: { exitAtOnce: boolean }) => void;
}

export class LogContext {
  readonly options: LogOptions;
  readonly tables: LogTables;
  readonly logger: Logger;
  readonly counters: LogCounters;
  /** Live topics by name (a deleted topic leaves at once; its data is purged later). */
  readonly topics: Map<string, Topic>;
  /** Stored batch bytes across partitions, checked against storage.maxBytes. */
  readonly account: StorageAccount = { totalBytes: 0 };
  /** The newest committed batches, for readers at the tail (recent-batches.ts). */
  readonly recent: RecentBatches;
  /** When a commit is durable, and the fail-stop latch (durability.ts). */
  readonly durability: Durability;
  #closed = false;

  constructor(options: LogOptions, tables: LogTables, durability: Durability, logger: Logger, counters: LogCounters, topics: Map<string, Topic>) {
    this.options = options;
    this.tables = tables;
    this.durability = durability;
    this.logger = logger;
    this.counters = counters;
    this.topics = topics;
    const reads = counters.batchReads;
    const from = (source: string) => {
      const series = reads.with({ source });
      return { inc: () => (series.inc(), reads.inc()) };
    };
    this.recent = new RecentBatches({ memory: from("memory"), lmdb: from("lmdb") });
    for (const t of topics.values()) for (const p of t.partitions) this.account.totalBytes += p.bytes;
  }

  topic(name: string): Topic {
    const t = this.topics.get(name);
    if (!t) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' does not exist`);
    return t;
  }

  partition(topic: string, partition: number): Partition {
    const p = this.topic(topic).partitions[partition];
    if (!p) throw new LogError("LEDGE_ERR_UNKNOWN_PARTITION", `partition ${partition} of topic '${topic}' does not exist`);
    return p;
  }

  get closed(): boolean {
    return this.#closed;
  }

  markClosed(): void {
    this.#closed = true;
  }

  /** Throws LEDGE_ERR_STORAGE_FAILED once the disk failed, LEDGE_ERR_LOG_CLOSED once the log is closed. */
  checkOpen(): void {
    this.durability.checkWorking();
    if (this.#closed) throw new LogError("LEDGE_ERR_LOG_CLOSED", "the log is closed");
  }

  /** A write outside the commit queue (meta table, stores), durable under storage.sync before it resolves. */
  async durable(write: Promise<unknown>, what: string): Promise<void> {
    await this.durability.committed(write, what);
    await this.durability.afterCommit();
  }
}
