// Config keys renamed so that every name carries its unit, qualifier last
// (`<noun><Unit><Qualifier>`, Unit one of Ms, Seconds, Bytes, Count; README "Configuration").
// The old spellings still work: start-up moves each one to its new key and warns, old → new.
// This table is the one home of those renames.
import { ConfigError } from "./errors.ts";

/** [old key, new key], full dotted paths. */
export const deprecatedKeys: readonly (readonly [string, string])[] = [
  ["storage.commitsInFlightMax", "storage.commitInflightCountMax"],
  ["log.defaultPartitions", "log.partitionCountDefault"],
  ["mqtt.limits.connectionsMax", "mqtt.limits.connectionCountMax"],
  ["mqtt.limits.sessionsMax", "mqtt.limits.sessionCountMax"],
  ["mqtt.limits.topicAliasMax", "mqtt.limits.topicAliasCountMax"],
  ["mqtt.limits.topicLevelsMax", "mqtt.limits.topicLevelCountMax"],
  ["mqtt.limits.subscriptionsPerClientMax", "mqtt.limits.subscriptionCountPerClientMax"],
  ["mqtt.limits.publishRatePerSecondMax", "mqtt.limits.publishCountPerSecondMax"],
];

type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Returns `doc` with every deprecated key moved to its new name (copying only the mappings on
 * the way, never changing the caller's document) and calls `warn` once per key moved. Setting
 * both spellings of one key is a mistake: which one was meant cannot be known.
 */
export function renameDeprecatedKeys(doc: unknown, warn: (message: string) => void): unknown {
  let out = doc;
  for (const [oldKey, newKey] of deprecatedKeys) {
    const path = oldKey.split(".");
    const oldName = path.pop()!;
    const newName = newKey.split(".").pop()!;
    const parent = path.reduce<unknown>((node, name) => (isMapping(node) ? node[name] : undefined), out);
    if (!isMapping(parent) || !(oldName in parent)) continue;
    if (newName in parent) throw new ConfigError(oldKey, `left out: it is the old spelling of '${newKey}', which is also set`, parent[oldName]);
    warn(`config key '${oldKey}' is deprecated and was read as '${newKey}' (names now carry their unit); rename it in the config file`);
    out = withRenamed(out as Mapping, path, oldName, newName);
  }
  return out;
}

function withRenamed(node: Mapping, path: string[], oldName: string, newName: string): Mapping {
  if (path.length === 0) {
    const { [oldName]: value, ...rest } = node;
    return { ...rest, [newName]: value };
  }
  const [head, ...tail] = path;
  return { ...node, [head]: withRenamed(node[head] as Mapping, tail, oldName, newName) };
}
