// Kafka topic config names the log understands, their defaults and their checks.
// Values are kept as strings, as Kafka's DescribeConfigs returns them.
import { topicNameProblem } from "../kafka/topic-name.ts";
import { LogError } from "./errors.ts";

export type CleanupPolicy = "delete" | "compact" | "compact,delete";

/** The parsed settings the log acts on. */
export interface TopicSettings {
  retentionMs: number;        // -1: keep forever
  retentionBytes: number;     // -1: no size limit per partition
  cleanupPolicy: CleanupPolicy;
  maxMessageBytes: number;
  deleteRetentionMs: number;
}

interface Key {
  default: string;
  check(value: string): boolean;
  expected: string;
}

const integer = (min: number) => (v: string) => /^-?\d+$/.test(v) && Number(v) >= min && Number.isSafeInteger(Number(v));

const keys: Record<string, Key> = {
  "retention.ms": { default: "604800000", check: integer(-1), expected: "an integer of ms >= -1 (-1 keeps forever)" },
  "retention.bytes": { default: "-1", check: integer(-1), expected: "an integer of bytes >= -1 (-1 means no limit)" },
  "cleanup.policy": { default: "delete", check: (v) => ["delete", "compact", "compact,delete", "delete,compact"].includes(v), expected: "delete, compact or compact,delete" },
  "max.message.bytes": { default: "1048588", check: integer(62), expected: "an integer of bytes >= 62" },
  "delete.retention.ms": { default: "86400000", check: integer(0), expected: "an integer of ms >= 0" },
  // Accepted for client compatibility; one broker, one segment store, so they change nothing.
  "segment.bytes": { default: "1073741824", check: integer(14), expected: "an integer of bytes" },
  "segment.ms": { default: "604800000", check: integer(1), expected: "an integer of ms" },
  "min.insync.replicas": { default: "1", check: integer(1), expected: "an integer >= 1" },
  "min.compaction.lag.ms": { default: "0", check: integer(0), expected: "an integer of ms >= 0" },
  "compression.type": { default: "producer", check: (v) => ["producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"].includes(v), expected: "producer, uncompressed, gzip, snappy, lz4 or zstd" },
  "message.timestamp.type": { default: "CreateTime", check: (v) => v === "CreateTime", expected: "CreateTime (LogAppendTime is not supported)" },
};

/** Fills defaults and checks every given key; throws LEDGE_ERR_INVALID_TOPIC_CONFIG naming the key. */
export function resolveTopicConfig(topic: string, given: Record<string, string | number> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, key] of Object.entries(keys)) out[name] = key.default;
  for (const [name, raw] of Object.entries(given)) {
    const key = keys[name];
    if (!key) {
      throw new LogError("LEDGE_ERR_INVALID_TOPIC_CONFIG", `topic '${topic}': unknown config '${name}' (known: ${Object.keys(keys).join(", ")})`);
    }
    const value = String(raw).trim();
    if (!key.check(value)) {
      throw new LogError("LEDGE_ERR_INVALID_TOPIC_CONFIG", `topic '${topic}': config '${name}' must be ${key.expected}; found ${JSON.stringify(raw)}`);
    }
    out[name] = name === "cleanup.policy" && value === "delete,compact" ? "compact,delete" : value;
  }
  return out;
}

/** Kafka's rule: a compacted topic (cleanup.policy compact, or compact,delete) keeps the newest
 * record per key, so it refuses records without one (INVALID_RECORD). */
export function keysRequired(settings: TopicSettings): boolean {
  return settings.cleanupPolicy !== "delete";
}

export function topicSettings(config: Record<string, string>): TopicSettings {
  return {
    retentionMs: Number(config["retention.ms"]),
    retentionBytes: Number(config["retention.bytes"]),
    cleanupPolicy: config["cleanup.policy"] as CleanupPolicy,
    maxMessageBytes: Number(config["max.message.bytes"]),
    deleteRetentionMs: Number(config["delete.retention.ms"]),
  };
}

export function checkTopicName(name: string): void {
  const problem = topicNameProblem(name);
  if (problem) throw new LogError("LEDGE_ERR_INVALID_TOPIC", `topic name ${JSON.stringify(name)} ${problem}`);
}
