// The topic registry: names to topics, persisted in the meta table. Topic ids are never reused.
import type { Database, Transaction } from "lmdb";
import { LogError } from "./errors.ts";
import { metaKeys, newPartition, type PersistedPartition, type PersistedTopic, type Topic } from "./partition.ts";
import { abortedPrefix, type AbortedTxn } from "./partition-txns.ts";
import { checkTopicName, resolveTopicConfig, topicSettings } from "./topic-config.ts";
import type { TopicDescription } from "./types.ts";

export const PARTITION_COUNT_MAX = 10_000;

export function loadTopics(meta: Database<unknown, string>, waiterCountMax: number, transaction?: Transaction): Map<string, Topic> {
  const topics = new Map<string, Topic>();
  for (const { key, value } of meta.getRange({ start: metaKeys.topicPrefix, transaction })) {
    if (typeof key !== "string" || !key.startsWith(metaKeys.topicPrefix)) break;
    const stored = value as PersistedTopic;
    const name = key.slice(metaKeys.topicPrefix.length);
    const topic = makeTopic(stored.id, name, stored.config, waiterCountMax);
    for (let i = 0; i < stored.partitions; i++) {
      topic.partitions.push(newPartition(topic, i, meta.get(metaKeys.partition(stored.id, i), { transaction }) as PersistedPartition | undefined, loadAborted(meta, stored.id, i, transaction)));
    }
    topics.set(name, topic);
  }
  return topics;
}

function loadAborted(meta: Database<unknown, string>, topicId: number, partition: number, transaction?: Transaction): AbortedTxn[] {
  const prefix = abortedPrefix(topicId, partition);
  const out: AbortedTxn[] = [];
  for (const { key, value } of meta.getRange({ start: prefix, transaction })) {
    if (typeof key !== "string" || !key.startsWith(prefix)) break;
    const [producerId, firstOffset] = value as [number, number];
    out.push({ producerId, firstOffset, lastOffset: Number(key.slice(prefix.length)) });
  }
  return out;
}

export function makeTopic(id: number, name: string, config: Record<string, string>, waiterCountMax: number): Topic {
  return { id, name, config, settings: topicSettings(config), partitions: [], deleted: false, waiterCountMax };
}

/** Checks a create request; returns the effective config. */
export function checkNewTopic(topics: Map<string, Topic>, name: string, partitions: number, config?: Record<string, string | number>): Record<string, string> {
  checkTopicName(name);
  if (topics.has(name)) throw new LogError("LEDGE_ERR_TOPIC_EXISTS", `topic '${name}' already exists`);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > PARTITION_COUNT_MAX) {
    throw new LogError("LEDGE_ERR_INVALID_PARTITIONS", `topic '${name}' cannot have ${partitions} partitions`);
  }
  return resolveTopicConfig(name, config);
}

export function describe(topic: Topic): TopicDescription {
  return { name: topic.name, partitions: topic.partitions.length, config: { ...topic.config } };
}

export function persistedTopic(topic: Topic): PersistedTopic {
  return { id: topic.id, partitions: topic.partitions.length, config: topic.config };
}
