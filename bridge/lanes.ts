// Which local partitions the bridge ships, where to, in which order, and from which offset.
import type { BridgeConfig } from "../runtime/config/bridge.ts";
import type { TopicDescription } from "../runtime/log/index.ts";

/** One local partition and where it goes upstream (partitioning: preserve keeps the number). */
export interface Lane {
  key: string;
  topic: string;
  partition: number;
  upstreamTopic: string;
  priority: number;
  /** Next local offset to ship, as upstream committed it. */
  next: number;
}

/** Local topics ledge keeps for itself are never shipped. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith("__");
}

/** The (topic, upstream topic, priority) the config selects among `topics`, highest priority first. */
export function selectTopics(config: Pick<BridgeConfig, "topics" | "prefix">, topics: TopicDescription[]): Array<{ topic: TopicDescription; upstream: string; priority: number }> {
  const out: Array<{ topic: TopicDescription; upstream: string; priority: number }> = [];
  for (const t of topics) {
    if (config.topics === null) {
      if (!isInternalTopic(t.name)) out.push({ topic: t, upstream: config.prefix + t.name, priority: 0 });
      continue;
    }
    const rule = config.topics.find((r) => r.from === t.name);
    if (rule) out.push({ topic: t, upstream: rule.to, priority: rule.priority });
  }
  return out.sort((a, b) => b.priority - a.priority || (a.topic.name < b.topic.name ? -1 : 1));
}

export function laneKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}
