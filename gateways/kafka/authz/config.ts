// `listeners.kafka.sasl.acls` and `superUsers`: Kafka ACLs for the SASL users (README
// "Authorization"). ACLs live under `sasl` because without SASL a connection has no principal
// to check; with `sasl` and no `acls`, every authenticated user may do everything (as before).
//
//   acls:
//     - principal: User:alice          # a user of listeners.kafka.sasl.users, or User:* (every user)
//       resourceType: topic            # topic | group | transactional-id | cluster
//       resourceName: sensors.         # "*" (literal) = every name; cluster: kafka-cluster (the default)
//       patternType: prefixed          # literal (default) | prefixed
//       operations: [READ, WRITE]      # Kafka's names; ALL = every operation
//       permission: allow              # allow (default) | deny; deny wins
//   superUsers: [admin]                # may do everything, as Kafka's super.users
import { ConfigError } from "../../../runtime/config/index.ts";
import { ConfigReader } from "../../../runtime/config/reader.ts";
import {
  Authorizer, clusterResourceName, everyUser, operationsOf, patternTypes, resourceTypes, wildcardName,
  type AclRule, type Operation, type PatternType, type ResourceType,
} from "./acl.ts";

function principal(r: ConfigReader, users: ReadonlySet<string>): string {
  const v = r.raw("principal");
  const expected = `User:<name> naming a user of listeners.kafka.sasl.users (${[...users].join(", ")}), or ${everyUser}`;
  if (typeof v !== "string" || !v.startsWith("User:")) throw new ConfigError(r.key("principal"), expected, v);
  if (v !== everyUser && !users.has(v.slice("User:".length))) throw new ConfigError(r.key("principal"), expected, v);
  return v;
}

function resourceName(r: ConfigReader, type: ResourceType, pattern: PatternType): string {
  if (type === "cluster") {
    const name = r.string("resourceName", clusterResourceName);
    if (name !== clusterResourceName || pattern !== "literal") {
      throw new ConfigError(r.key("resourceName"), `${clusterResourceName} (the one cluster; literal pattern), or left out`, name);
    }
    return name;
  }
  const name = r.string("resourceName", "");
  if (name === "") throw new ConfigError(r.key("resourceName"), `a ${type} name, a prefix with patternType: prefixed, or "${wildcardName}" for every ${type}`, r.raw("resourceName"));
  // Topic names cannot hold '*' (Kafka's rule): "sensors.*" would match nothing, silently.
  if (type === "topic" && name !== wildcardName && name.includes("*")) {
    throw new ConfigError(r.key("resourceName"), `a topic name or prefix without '*' (for every topic starting with "${name.replace(/\*+$/, "")}" write that with patternType: prefixed; "${wildcardName}" alone means every topic)`, name);
  }
  if (pattern === "prefixed" && name === wildcardName) {
    throw new ConfigError(r.key("resourceName"), `a prefix; "${wildcardName}" (every name) needs patternType: literal`, name);
  }
  return name;
}

function rules(item: unknown, key: string, users: ReadonlySet<string>): AclRule[] {
  const r = new ConfigReader(item, key);
  const p = principal(r, users);
  if (!r.has("resourceType")) throw new ConfigError(r.key("resourceType"), `one of ${resourceTypes.join(" | ")}`, undefined);
  const resourceType = r.oneOf("resourceType", resourceTypes, "topic");
  const patternType = r.oneOf("patternType", patternTypes, "literal");
  const name = resourceName(r, resourceType, patternType);
  const permission = r.oneOf("permission", ["allow", "deny"] as const, "allow");
  const allowedOps = operationsOf[resourceType];
  const ops = r.list("operations", (op, opKey) => {
    if (typeof op !== "string" || !allowedOps.includes(op as Operation)) {
      throw new ConfigError(opKey, `an operation on a ${resourceType}: one of ${allowedOps.join(", ")}`, op);
    }
    return op as Operation;
  });
  if (ops.length === 0) throw new ConfigError(r.key("operations"), `a non-empty list of ${allowedOps.join(", ")}`, r.raw("operations"));
  r.done();
  return ops.map((operation) => ({ principal: p, resourceType, resourceName: name, patternType, operation, permission }));
}

/** Reads `acls` and `superUsers` from the `sasl` section; undefined when neither is set (no
 * authorization: every authenticated user may do everything). */
export function readAcls(sasl: ConfigReader, users: ReadonlySet<string>): Authorizer | undefined {
  const superUsers = sasl.list("superUsers", (u, key) => {
    if (typeof u !== "string" || !users.has(u)) throw new ConfigError(key, `the name of a user of listeners.kafka.sasl.users (${[...users].join(", ")})`, u);
    return u;
  });
  const hasAcls = sasl.has("acls");
  const list = sasl.list("acls", (item, key) => rules(item, key, users)).flat();
  if (!hasAcls && superUsers.length === 0) return undefined;
  return new Authorizer(list, superUsers);
}
