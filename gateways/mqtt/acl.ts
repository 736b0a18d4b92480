// Per-user access lists of MQTT topic filters: may this identity publish to a topic name, or
// subscribe to a filter? Pure functions over strings; publish checks allocate nothing.
//
// A subscribe filter is allowed when every topic it can match is matched by one of the user's
// ACL filters (a filter-vs-filter subset check), so "sensors/+/temp" is allowed by "sensors/#"
// but "sensors/#" is not allowed by "sensors/+/temp". Shared subscriptions
// ("$share/group/filter") are checked on the filter after the group.

export interface Acl {
  /** Topic filters this identity may publish to (a topic name must match one). */
  publish: string[];
  /** Topic filters this identity may subscribe within (a filter must be a subset of one). */
  subscribe: string[];
}

/** What an authenticated connection is, for ACL checks and log lines. */
export interface Identity {
  kind: "user" | "certificate" | "anonymous";
  /** Username, certificate CN, or "anonymous" — for operators' log lines. */
  name: string;
  acl: Acl;
}

/** Everything, for anonymous clients when allowed and for users without an `acl` key. */
export const fullAccess: Acl = Object.freeze({ publish: ["#"], subscribe: ["#"] }) as Acl;

const sharePrefix = "$share/";

/** "$share/group/a/b" → "a/b"; any other filter is returned as is. */
export function stripSharePrefix(filter: string): string {
  if (!filter.startsWith(sharePrefix)) return filter;
  const slash = filter.indexOf("/", sharePrefix.length);
  return slash < 0 ? "" : filter.slice(slash + 1);
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

/** True when every topic `inner` can match is also matched by `outer`. */
export function filterCovers(outer: string, inner: string): boolean {
  if (inner.startsWith("$") && (outer.startsWith("+") || outer.startsWith("#"))) return false;
  const o = outer.split("/");
  const n = inner.split("/");
  for (let i = 0; i < o.length; i++) {
    if (o[i] === "#") return true;
    if (i >= n.length) return false; // inner ends where outer still requires a level
    if (n[i] === "#") return false; // inner reaches any depth; outer does not
    if (o[i] === "+") continue;
    if (n[i] === "+" || n[i] !== o[i]) return false;
  }
  return o.length === n.length;
}

export function canPublish(identity: Identity, topic: string): boolean {
  for (const filter of identity.acl.publish) if (topicMatches(filter, topic)) return true;
  return false;
}

export function canSubscribe(identity: Identity, filter: string): boolean {
  const plain = stripSharePrefix(filter);
  if (plain === "") return false;
  for (const allowed of identity.acl.subscribe) if (filterCovers(allowed, plain)) return true;
  return false;
}

/** Checks that an ACL entry is a well-formed filter; returns what is wrong, or undefined. */
export function filterProblem(filter: unknown): string | undefined {
  if (typeof filter !== "string" || filter === "") return "a non-empty topic filter";
  const levels = filter.split("/");
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level === "#" && i !== levels.length - 1) return "a filter with '#' only as the last level";
    if (level !== "#" && level !== "+" && (level.includes("#") || level.includes("+"))) {
      return "a filter whose wildcards '+' and '#' fill a whole level";
    }
  }
  return undefined;
}
