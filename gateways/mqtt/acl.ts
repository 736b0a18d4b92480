// Per-user access lists of MQTT topic filters: may this identity publish to a topic name, or
// subscribe to a filter? Pure functions over strings; publish checks allocate nothing.
//
// A subscribe filter is allowed when every topic it can match is matched by one of the user's
// ACL filters (a filter-vs-filter subset check), so "sensors/+/temp" is allowed by "sensors/#"
// but "sensors/#" is not allowed by "sensors/+/temp". Shared subscriptions
// ("$share/group/filter") are checked on the filter after the group.

import { topicMatches } from "./topics.ts";

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

/**
 * `$SYS/` is the broker's and `$share/` names shared subscriptions: no client publishes there.
 * Other `$` topics are ordinary names [MQTT-4.7.2]; only wildcard matching treats them apart.
 */
const reservedPublishPrefixes = ["$SYS/", "$share/"];

export function canPublish(identity: Identity, topic: string): boolean {
  for (const prefix of reservedPublishPrefixes) if (topic.startsWith(prefix)) return false;
  // Full access grants every name, `$` topics too; an ACL list grants them only by filters that
  // name them (a leading wildcard never matches a `$` topic, as in delivery).
  if (identity.acl === fullAccess) return true;
  for (const filter of identity.acl.publish) if (topicMatches(filter, topic)) return true;
  return false;
}

export function canSubscribe(identity: Identity, filter: string): boolean {
  const plain = stripSharePrefix(filter);
  if (plain === "") return false;
  if (identity.acl === fullAccess) return true;
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
