// Topic names and topic filters (MQTT 5 section 4.7). Each check returns a problem text for the
// client's reason string, or undefined when the input is valid.

/** A topic in a PUBLISH: no wildcards, not empty, bounded. */
export function validateTopicName(topic: string, levelsMax: number, bytesMax: number): string | undefined {
  if (topic.length === 0) return "the topic name is empty"; // [MQTT-4.7.3-1]
  if (Buffer.byteLength(topic) > bytesMax) return `the topic name is longer than ${bytesMax} bytes`;
  if (topic.includes("\u0000")) return "the topic name contains U+0000"; // [MQTT-4.7.3-2]
  if (topic.includes("+") || topic.includes("#")) return "a topic name must not contain the wildcards + or #"; // [MQTT-3.3.2-2]
  if (countLevels(topic) > levelsMax) return `the topic name has more than ${levelsMax} levels`;
  return undefined;
}

/** A filter in a SUBSCRIBE/UNSUBSCRIBE (after any $share/group/ prefix is removed). */
export function validateFilter(filter: string, levelsMax: number, bytesMax: number): string | undefined {
  if (filter.length === 0) return "the topic filter is empty"; // [MQTT-4.7.3-1]
  if (Buffer.byteLength(filter) > bytesMax) return `the topic filter is longer than ${bytesMax} bytes`;
  if (filter.includes("\u0000")) return "the topic filter contains U+0000";
  const levels = filter.split("/");
  if (levels.length > levelsMax) return `the topic filter has more than ${levelsMax} levels`;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) {
      return "# must be a whole level and the last one"; // [MQTT-4.7.1-1]
    }
    if (level.includes("+") && level !== "+") return "+ must be a whole level"; // [MQTT-4.7.1-2]
  }
  return undefined;
}

export interface SharedFilter {
  group: string;
  filter: string;
}

/** `$share/{group}/{filter}` → its parts; undefined when not shared; a string when malformed. */
export function parseShared(filter: string): SharedFilter | string | undefined {
  if (!filter.startsWith("$share/")) return undefined;
  const rest = filter.slice(7);
  const slash = rest.indexOf("/");
  if (slash <= 0) return "a shared subscription needs $share/{group}/{filter}"; // [MQTT-4.8.2-1]
  const group = rest.slice(0, slash);
  if (group.includes("+") || group.includes("#")) return "a share name must not contain + or #"; // [MQTT-4.8.2-2]
  const inner = rest.slice(slash + 1);
  if (inner.length === 0) return "a shared subscription needs a filter after the group";
  return { group, filter: inner };
}

function countLevels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

const plus = 43;
const hash = 35;
const dollar = 36;

function levelEnd(text: string, from: number): number {
  const i = text.indexOf("/", from);
  return i < 0 ? text.length : i;
}

function isWildcard(text: string, from: number, end: number, wildcard: number): boolean {
  return end - from === 1 && text.charCodeAt(from) === wildcard;
}

function sameLevel(a: string, aFrom: number, aEnd: number, b: string, bFrom: number, bEnd: number): boolean {
  if (aEnd - aFrom !== bEnd - bFrom) return false;
  for (let i = 0; i < aEnd - aFrom; i++) if (a.charCodeAt(aFrom + i) !== b.charCodeAt(bFrom + i)) return false;
  return true;
}

/** True when the topic name matches the filter, including the rule that wildcards in the
 * first level never match topics starting with "$" [MQTT-4.7.2-1]. Runs on every PUBLISH of
 * an authenticated client, so it walks levels by index instead of splitting (no allocation). */
export function topicMatches(filter: string, topic: string): boolean {
  const first = filter.charCodeAt(0);
  if (topic.charCodeAt(0) === dollar && (first === plus || first === hash)) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = levelEnd(filter, f);
    if (isWildcard(filter, f, fEnd, hash)) return true; // also matches the parent: "a/#" matches "a"
    if (t > topic.length) return false; // the topic has no level left for this filter level
    const tEnd = levelEnd(topic, t);
    if (!isWildcard(filter, f, fEnd, plus) && !sameLevel(filter, f, fEnd, topic, t, tEnd)) return false;
    f = fEnd + 1;
    t = tEnd + 1;
    if (f > filter.length) return t > topic.length;
  }
}

