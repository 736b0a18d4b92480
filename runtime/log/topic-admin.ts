// Topic administration: create, delete, grow, list, describe, auto-create, and telling listeners
// about each change. Topic and partition records go to the meta table, durable before a call
// resolves; a deleted topic's data is removed in the background (topic-purge.ts).
import type { TopicConfig } from "../config/schema.ts";
import type { LogContext } from "./context.ts";
import { LogError } from "./errors.ts";
import { metaKeys, newPartition, persisted } from "./partition.ts";
import type { TopicPurges } from "./topic-purge.ts";
import { checkNewTopic, describe, makeTopic, persistedTopic, PARTITION_COUNT_MAX } from "./topics.ts";
import type { TopicChange, TopicChangeListener, TopicDescription } from "./types.ts";

export class TopicAdmin {
  readonly #ctx: LogContext;
  readonly #purges: TopicPurges;
  readonly #listeners = new Set<TopicChangeListener>();
  #topicIdNext: number;

  constructor(ctx: LogContext, purges: TopicPurges) {
    this.#ctx = ctx;
    this.#purges = purges;
    this.#topicIdNext = (ctx.tables.meta.get(metaKeys.topicIdNext) as number | undefined) ?? 1;
  }

  /** Creates the configured topics that are missing and grows those with fewer partitions. */
  async applyConfigured(topics: TopicConfig[]): Promise<void> {
    for (const t of topics) {
      const existing = this.describe(t.name);
      if (!existing) await this.create(t.name, t.partitions, t.config);
      else if (existing.partitions < t.partitions) await this.addPartitions(t.name, t.partitions);
    }
  }

  /** Refuses `addedTopics` more topics and `addedPartitions` more partitions past the log's totals. */
  #checkTotals(name: string, addedTopics: number, addedPartitions: number): void {
    const { topicCountMax, partitionCountMax } = this.#ctx.options.log;
    const topics = this.#ctx.topics;
    if (topics.size + addedTopics > topicCountMax) {
      throw new LogError("LEDGE_ERR_TOPIC_LIMIT", `topic '${name}' refused: ${topics.size} topics exist, the log.topicCountMax bound`);
    }
    let partitions = 0;
    for (const t of topics.values()) partitions += t.partitions.length;
    if (partitions + addedPartitions > partitionCountMax) {
      throw new LogError("LEDGE_ERR_TOPIC_LIMIT", `${addedPartitions} more partitions for topic '${name}' refused: ${partitions} partitions exist, and log.partitionCountMax is ${partitionCountMax}`);
    }
  }

  async create(name: string, partitions: number, config?: Record<string, string | number>): Promise<TopicDescription> {
    const ctx = this.#ctx;
    ctx.checkOpen();
    const effective = checkNewTopic(ctx.topics, name, partitions, config);
    this.#checkTotals(name, 1, partitions);
    const topic = makeTopic(this.#topicIdNext++, name, effective, ctx.options.log.waiterCountPerPartitionMax);
    for (let i = 0; i < partitions; i++) topic.partitions.push(newPartition(topic, i));
    ctx.topics.set(name, topic);
    const { meta } = ctx.tables;
    meta.put(metaKeys.topicIdNext, this.#topicIdNext).catch(() => undefined);
    for (const p of topic.partitions) meta.put(metaKeys.partition(topic.id, p.index), persisted(p)).catch(() => undefined);
    await ctx.durable(meta.put(metaKeys.topic(name), persistedTopic(topic)), `creating topic '${name}'`);
    ctx.logger.info(`created topic '${name}' with ${partitions} partitions`);
    await this.#changed({ topic: name, kind: "created" });
    return describe(topic);
  }

  /** Resolves once the topic is gone for good and every listener's work for it is done. */
  async delete(name: string): Promise<void> {
    const ctx = this.#ctx;
    ctx.checkOpen();
    const topic = ctx.topic(name);
    topic.deleted = true;
    ctx.topics.delete(name);
    for (const p of topic.partitions) {
      ctx.account.totalBytes -= p.bytes;
      ctx.recent.forget(p);
      ctx.counters.recordsIn.without({ topic: name, partition: String(p.index) });
      p.waiters.failAll(new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' was deleted while a reader waited on partition ${p.index}`));
    }
    const { meta } = ctx.tables;
    meta.put(metaKeys.deletedTopic(topic.id), name).catch(() => undefined);
    for (const p of topic.partitions) meta.remove(metaKeys.partition(topic.id, p.index)).catch(() => undefined);
    await ctx.durable(meta.remove(metaKeys.topic(name)), `deleting topic '${name}'`);
    this.#purges.schedule(topic.id);
    ctx.logger.info(`deleted topic '${name}'; its data is being removed in the background`);
    await this.#changed({ topic: name, kind: "deleted" });
  }

  async addPartitions(name: string, totalPartitions: number): Promise<void> {
    const ctx = this.#ctx;
    ctx.checkOpen();
    const topic = ctx.topic(name);
    const now = topic.partitions.length;
    if (!Number.isInteger(totalPartitions) || totalPartitions < now || totalPartitions > PARTITION_COUNT_MAX) {
      throw new LogError("LEDGE_ERR_INVALID_PARTITIONS", `topic '${name}' has ${now} partitions and cannot go to ${totalPartitions} (grow only, at most ${PARTITION_COUNT_MAX})`);
    }
    this.#checkTotals(name, 0, totalPartitions - now);
    for (let i = now; i < totalPartitions; i++) topic.partitions.push(newPartition(topic, i));
    await ctx.durable(ctx.tables.meta.put(metaKeys.topic(name), persistedTopic(topic)), `adding partitions to topic '${name}'`);
    if (totalPartitions > now) await this.#changed({ topic: name, kind: "partitions-added" });
  }

  list(): TopicDescription[] {
    return [...this.#ctx.topics.values()].map(describe).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  describe(name: string): TopicDescription | undefined {
    const t = this.#ctx.topics.get(name);
    return t ? describe(t) : undefined;
  }

  /** The topic, auto-created (as configured in `topics`, else log.partitionCountDefault) when
   * log.autoCreateTopics allows. */
  async ensure(name: string): Promise<TopicDescription> {
    const ctx = this.#ctx;
    const t = ctx.topics.get(name);
    if (t) return describe(t);
    if (!ctx.options.log.autoCreateTopics) {
      throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `topic '${name}' does not exist and log.autoCreateTopics is off`);
    }
    // A topic named in the config's `topics` comes back with its configured partitions and settings.
    const configured = ctx.options.topics?.find((c) => c.name === name);
    try {
      return await this.create(name, configured?.partitions ?? ctx.options.log.partitionCountDefault, configured?.config);
    } catch (err) {
      const raced = ctx.topics.get(name);
      if (raced && err instanceof LogError && err.code === "LEDGE_ERR_TOPIC_EXISTS") return describe(raced);
      throw err;
    }
  }

  onChange(listener: TopicChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener; waits for the promises they return (a listener's failure is logged,
   * never thrown at the caller: the change itself is done and durable). */
  async #changed(change: TopicChange): Promise<void> {
    const pending: Promise<unknown>[] = [];
    for (const listener of this.#listeners) {
      try {
        const done = listener(change);
        if (done) pending.push(done.catch((err: Error) => this.#listenerFailed(change, err)));
      } catch (err) {
        this.#listenerFailed(change, err as Error);
      }
    }
    if (pending.length > 0) await Promise.all(pending);
  }

  #listenerFailed(change: TopicChange, err: Error): void {
    this.#ctx.logger.error(`a listener for changes of topic '${change.topic}' failed: ${err.message} (a ledge bug: please report it)`);
  }
}
