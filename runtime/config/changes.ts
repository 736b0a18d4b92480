// What changed between two validated configs (a config reload, SIGHUP): the key paths whose
// values differ, and which of them a running ledge can apply. Values are never part of the
// answer (a changed password is named, not shown).

/** Sections a running ledge applies on reload; every other changed key needs a restart. */
export const reloadableKeys = ["mqtt.routes", "pipelines", "bridge"] as const;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The key paths whose values differ between `before` and `after` (plain data): mappings are
 * compared key by key, anything else (lists, scalars) whole, so a changed list is named once
 * (`topics`, `mqtt.routes`) and a changed scalar by its full path (`listeners.mqtt.port`).
 */
export function changedKeys(before: unknown, after: unknown, path = ""): string[] {
  if (!isMapping(before) || !isMapping(after)) return same(before, after) ? [] : [path];
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[key] === undefined && after[key] === undefined) continue;
    out.push(...changedKeys(before[key], after[key], path === "" ? key : `${path}.${key}`));
  }
  return out;
}

/** Whether `key` lies in a section reload applies (`bridge.brokers` is in `bridge`). */
export function isReloadable(key: string): boolean {
  return reloadableKeys.some((r) => key === r || key.startsWith(`${r}.`));
}

/** Splits changed keys into those reload applies and those that need a restart. */
export function classifyChanges(keys: readonly string[]): { applied: string[]; needRestart: string[] } {
  return { applied: keys.filter(isReloadable), needRestart: keys.filter((k) => !isReloadable(k)) };
}
