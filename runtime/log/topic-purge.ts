// Removing a deleted topic's data in the background, a bounded chunk per transaction, so a large
// topic never holds LMDB's writer for long. A marker (`d/<topicId>` in meta) stays until the
// removal is done; a restart resumes every marked removal.
import type { Logger } from "../logger.ts";
import { topicBounds, BATCH_KEY_BYTES, TIME_KEY_BYTES } from "./keys.ts";
import type { Durability } from "./durability.ts";
import type { LogTables } from "./lmdb-env.ts";
import { metaKeys } from "./partition.ts";
import { abortedPrefix } from "./partition-txns.ts";

const PURGE_KEYS_PER_TXN = 5_000;

export class TopicPurges {
  readonly #tables: LogTables;
  readonly #logger: Logger;
  readonly #durability: Durability;
  #purges: Promise<void> = Promise.resolve();
  /** close() began: a removal stops at its next chunk (its marker stays for the next start). */
  #stopping = false;

  constructor(tables: LogTables, durability: Durability, logger: Logger) {
    this.#tables = tables;
    this.#durability = durability;
    this.#logger = logger;
  }

  /** Schedules the removal of every topic marked deleted (at start). */
  resumeAll(): void {
    for (const { key } of this.#tables.meta.getRange({ start: metaKeys.deletedPrefix })) {
      if (typeof key !== "string" || !key.startsWith(metaKeys.deletedPrefix)) break;
      this.schedule(Number(key.slice(metaKeys.deletedPrefix.length)));
    }
  }

  schedule(topicId: number): void {
    this.#purges = this.#purges
      .then(() => this.#purge(topicId))
      .catch((err: Error) => this.#logger.error(`removing the data of deleted topic id ${topicId} failed: ${err.message}; it is retried at the next start`));
  }

  /** Stops after the running chunk; resolves when no removal runs. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#purges;
  }

  async #purge(topicId: number): Promise<void> {
    const { batches, times, meta } = this.#tables;
    await batches.committed;
    for (const [db, keyBytes] of [[batches, BATCH_KEY_BYTES], [times, TIME_KEY_BYTES]] as const) {
      const { start, end } = topicBounds(topicId, keyBytes);
      for (;;) {
        if (this.#stopping || this.#durability.failure) return;
        const keys = [...db.getKeys({ start, end, limit: PURGE_KEYS_PER_TXN, snapshot: false })].map((k) => Buffer.from(k));
        if (keys.length === 0) break;
        const removes = keys.map((k) => db.remove(k));
        for (const r of removes.slice(0, -1)) r.catch(() => undefined);
        await this.#durability.committed(removes[removes.length - 1], `removing data of deleted topic id ${topicId}`);
      }
    }
    for (const { key } of meta.getRange({ start: `s/${topicId}/`, end: `s/${topicId}0` })) meta.remove(key as string).catch(() => undefined);
    const aborted = abortedPrefix(topicId);
    for (const { key } of meta.getRange({ start: aborted })) {
      if (typeof key !== "string" || !key.startsWith(aborted)) break;
      meta.remove(key).catch(() => undefined);
    }
    await this.#durability.committed(meta.remove(metaKeys.deletedTopic(topicId)), `finishing deletion of topic id ${topicId}`);
  }
}
