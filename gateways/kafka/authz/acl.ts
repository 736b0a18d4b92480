// The Kafka authorization decision, in Kafka's model (AclAuthorizer / StandardAuthorizer): may
// principal P perform operation O on resource R? Rules name a principal (`User:alice`, or
// `User:*` for every user), a resource (type, name, pattern literal or prefixed; the literal
// name `*` matches every name of its type), an operation and allow or deny.
//
//   - super users may do everything;
//   - a matching deny rule for O (or ALL) refuses, whatever allows it (deny wins);
//   - a matching allow rule for O, for ALL, or for an operation implying O allows: READ, WRITE,
//     DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS (as Kafka);
//   - otherwise refused (Kafka's allow.everyone.if.no.acl.found=false).
//
// On the hot path (every Produce and Fetch partition) a decision is one bit test: the allowed
// operations of a (principal, resource) pair are computed once as a bit mask and cached, per
// principal and resource type, in a map of bounded size (cleared when full).

export const resourceTypes = ["topic", "group", "transactional-id", "cluster"] as const;
export type ResourceType = (typeof resourceTypes)[number];
export const patternTypes = ["literal", "prefixed"] as const;
export type PatternType = (typeof patternTypes)[number];
export const operations = [
  "ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE",
] as const;
export type Operation = (typeof operations)[number];
export type Permission = "allow" | "deny";

/** The one cluster resource's name, as Kafka's. */
export const clusterResourceName = "kafka-cluster";
/** The literal resource name matching every name of its type. */
export const wildcardName = "*";
/** The principal matching every user. */
export const everyUser = "User:*";

/** One rule, one operation (a config entry listing several operations becomes several rules,
 * as Kafka stores them and DescribeAcls lists them). */
export interface AclRule {
  principal: string;
  resourceType: ResourceType;
  resourceName: string;
  patternType: PatternType;
  operation: Operation;
  permission: Permission;
}

/** The operations Kafka accepts for each resource type (ALL on every one). */
export const operationsOf: Readonly<Record<ResourceType, readonly Operation[]>> = {
  topic: ["ALL", "READ", "WRITE", "CREATE", "DELETE", "ALTER", "DESCRIBE", "DESCRIBE_CONFIGS", "ALTER_CONFIGS"],
  group: ["ALL", "READ", "DELETE", "DESCRIBE"],
  "transactional-id": ["ALL", "WRITE", "DESCRIBE"],
  cluster: ["ALL", "CREATE", "ALTER", "DESCRIBE", "CLUSTER_ACTION", "DESCRIBE_CONFIGS", "ALTER_CONFIGS", "IDEMPOTENT_WRITE"],
};

const bits = Object.fromEntries(operations.map((op, i) => [op, 1 << i])) as Record<Operation, number>;
const bit = (op: Operation) => bits[op];
const ALL_BIT = bit("ALL");
/** Operations whose allow rule also allows the key (Kafka's implicit DESCRIBE / DESCRIBE_CONFIGS). */
const impliedBy: Partial<Record<Operation, number>> = {
  DESCRIBE: bit("READ") | bit("WRITE") | bit("DELETE") | bit("ALTER"),
  DESCRIBE_CONFIGS: bit("ALTER_CONFIGS"),
};

/** Cached decisions per principal and resource type; past this the cache starts over. */
export const decisionCacheCountMax = 10_000;

export function resourceMatches(rule: AclRule, type: ResourceType, name: string): boolean {
  if (rule.resourceType !== type) return false;
  if (rule.patternType === "prefixed") return name.startsWith(rule.resourceName);
  return rule.resourceName === name || rule.resourceName === wildcardName;
}

/** Bit mask of the operations allowed by `rules` (already those of one principal) on a resource. */
function allowedMask(rules: readonly AclRule[], type: ResourceType, name: string): number {
  let allow = 0;
  let deny = 0;
  for (const r of rules) {
    if (!resourceMatches(r, type, name)) continue;
    if (r.permission === "deny") deny |= bit(r.operation);
    else allow |= bit(r.operation);
  }
  if (deny & ALL_BIT) return 0;
  let mask = 0;
  for (const op of operations) {
    const b = bit(op);
    if (deny & b) continue;
    if (allow & (b | ALL_BIT | (impliedBy[op] ?? 0))) mask |= b;
  }
  return mask;
}

/** One principal's rules and its cached decisions. */
class PrincipalAccess {
  readonly #rules: readonly AclRule[];
  readonly #superUser: boolean;
  readonly #cache = new Map<ResourceType, Map<string, number>>(resourceTypes.map((t) => [t, new Map()]));

  constructor(rules: readonly AclRule[], superUser: boolean) {
    this.#rules = rules;
    this.#superUser = superUser;
  }

  allows(type: ResourceType, name: string, op: Operation): boolean {
    if (this.#superUser) return true;
    const cache = this.#cache.get(type)!;
    let mask = cache.get(name);
    if (mask === undefined) {
      mask = allowedMask(this.#rules, type, name);
      if (cache.size >= decisionCacheCountMax) cache.clear();
      cache.set(name, mask);
    }
    return (mask & bit(op)) !== 0;
  }
}

/** Decides for every principal from one rule list. Principals are the configured SASL users
 * (a connection gets one only by authenticating as one), so the per-principal map is bounded. */
export class Authorizer {
  readonly rules: readonly AclRule[];
  readonly #superUsers: ReadonlySet<string>;
  readonly #principals = new Map<string, PrincipalAccess>();

  constructor(rules: readonly AclRule[], superUsers: readonly string[] = []) {
    this.rules = rules;
    this.#superUsers = new Set(superUsers);
  }

  /** `user` is the authenticated SASL user name (the principal is `User:<name>`). */
  allows(user: string, type: ResourceType, name: string, op: Operation): boolean {
    let access = this.#principals.get(user);
    if (access === undefined) {
      const principal = `User:${user}`;
      access = new PrincipalAccess(this.rules.filter((r) => r.principal === principal || r.principal === everyUser), this.#superUsers.has(user));
      this.#principals.set(user, access);
    }
    return access.allows(type, name, op);
  }
}
