// The Kafka authorization decision (gateways/kafka/authz/acl.ts) and its config
// (listeners.kafka.sasl.acls, authz/config.ts): Kafka's rules, one case each.
import { describe, it, expect } from "vitest";
import { Authorizer, decisionCacheCountMax, type AclRule } from "../../gateways/kafka/authz/acl.ts";
import { readSaslSettings } from "../../gateways/kafka/sasl/config.ts";
import { configErrorOf as configError } from "../helpers/config-error.ts";

const rule = (r: Partial<AclRule>): AclRule => ({
  principal: "User:alice", resourceType: "topic", resourceName: "t", patternType: "literal", operation: "READ", permission: "allow", ...r,
});

describe("Authorizer", () => {
  it("nothing is allowed without a matching rule (no allow.everyone.if.no.acl.found)", () => {
    const a = new Authorizer([]);
    expect(a.allows("alice", "topic", "t", "READ")).toBe(false);
    expect(a.allows("alice", "cluster", "kafka-cluster", "DESCRIBE")).toBe(false);
  });

  it("literal names match exactly; the literal * matches every name of its type", () => {
    const a = new Authorizer([rule({ resourceName: "t" }), rule({ resourceType: "group", resourceName: "*" })]);
    expect(a.allows("alice", "topic", "t", "READ")).toBe(true);
    expect(a.allows("alice", "topic", "t2", "READ")).toBe(false);
    expect(a.allows("alice", "group", "anything", "READ")).toBe(true);
    expect(a.allows("alice", "topic", "*", "WRITE")).toBe(false);
  });

  it("prefixed names match every name starting with them", () => {
    const a = new Authorizer([rule({ resourceName: "sensors.", patternType: "prefixed", operation: "WRITE" })]);
    expect(a.allows("alice", "topic", "sensors.temp", "WRITE")).toBe(true);
    expect(a.allows("alice", "topic", "sensors.", "WRITE")).toBe(true);
    expect(a.allows("alice", "topic", "sensors", "WRITE")).toBe(false);
    expect(a.allows("alice", "topic", "other.sensors.x", "WRITE")).toBe(false);
  });

  it("READ, WRITE, DELETE and ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS; nothing else is implied", () => {
    for (const op of ["READ", "WRITE", "DELETE", "ALTER"] as const) {
      const a = new Authorizer([rule({ operation: op })]);
      expect(a.allows("alice", "topic", "t", "DESCRIBE"), op).toBe(true);
      expect(a.allows("alice", "topic", "t", "CREATE"), op).toBe(false);
    }
    const c = new Authorizer([rule({ operation: "ALTER_CONFIGS" })]);
    expect(c.allows("alice", "topic", "t", "DESCRIBE_CONFIGS")).toBe(true);
    expect(c.allows("alice", "topic", "t", "DESCRIBE")).toBe(false);
    const d = new Authorizer([rule({ operation: "DESCRIBE" })]);
    expect(d.allows("alice", "topic", "t", "READ")).toBe(false);
  });

  it("ALL allows every operation", () => {
    const a = new Authorizer([rule({ operation: "ALL" })]);
    for (const op of ["READ", "WRITE", "CREATE", "DELETE", "DESCRIBE", "ALTER"] as const) expect(a.allows("alice", "topic", "t", op)).toBe(true);
  });

  it("deny wins over allow, whatever the patterns; deny ALL refuses everything", () => {
    const a = new Authorizer([
      rule({ resourceName: "*", operation: "ALL" }),
      rule({ resourceName: "secret.", patternType: "prefixed", operation: "READ", permission: "deny" }),
    ]);
    expect(a.allows("alice", "topic", "public", "READ")).toBe(true);
    expect(a.allows("alice", "topic", "secret.x", "READ")).toBe(false);
    expect(a.allows("alice", "topic", "secret.x", "WRITE")).toBe(true);
    // A denied READ does not deny the DESCRIBE that ALL allows (Kafka denies only what is named).
    expect(a.allows("alice", "topic", "secret.x", "DESCRIBE")).toBe(true);
    const b = new Authorizer([rule({ operation: "ALL" }), rule({ operation: "ALL", permission: "deny" })]);
    expect(b.allows("alice", "topic", "t", "DESCRIBE")).toBe(false);
  });

  it("a rule binds its principal; User:* binds every user; super users may do everything", () => {
    const a = new Authorizer([rule({ principal: "User:bob" }), rule({ principal: "User:*", resourceName: "shared" })], ["root"]);
    expect(a.allows("alice", "topic", "t", "READ")).toBe(false);
    expect(a.allows("bob", "topic", "t", "READ")).toBe(true);
    expect(a.allows("alice", "topic", "shared", "READ")).toBe(true);
    expect(a.allows("root", "cluster", "kafka-cluster", "ALTER")).toBe(true);
  });

  it("resource types are apart: a topic rule says nothing about a group of the same name", () => {
    const a = new Authorizer([rule({ resourceName: "x", operation: "ALL" })]);
    expect(a.allows("alice", "group", "x", "READ")).toBe(false);
    expect(a.allows("alice", "transactional-id", "x", "WRITE")).toBe(false);
  });

  it("decisions stay right past the cache's bound (it starts over, never grows past it)", () => {
    const a = new Authorizer([rule({ resourceName: "k", patternType: "prefixed" })]);
    for (let i = 0; i < decisionCacheCountMax + 10; i++) expect(a.allows("alice", "topic", `k${i}`, "READ")).toBe(true);
    expect(a.allows("alice", "topic", "j1", "READ")).toBe(false);
    expect(a.allows("alice", "topic", "k1", "READ")).toBe(true);
  });
});

const users = [{ name: "alice", password: "a-secret" }, { name: "admin", password: "b-secret" }];
const read = (acls: unknown, extra: Record<string, unknown> = {}) => readSaslSettings({ users, acls, ...extra });
const ok = { principal: "User:alice", resourceType: "topic", resourceName: "sensors.", patternType: "prefixed", operations: ["READ", "WRITE"] };

describe("listeners.kafka.sasl.acls", () => {
  it("an entry with several operations becomes one rule per operation, with Kafka's defaults", () => {
    const s = read([ok, { principal: "User:*", resourceType: "cluster", operations: ["DESCRIBE"], permission: "deny" }]);
    expect(s!.authorizer!.rules).toEqual([
      { principal: "User:alice", resourceType: "topic", resourceName: "sensors.", patternType: "prefixed", operation: "READ", permission: "allow" },
      { principal: "User:alice", resourceType: "topic", resourceName: "sensors.", patternType: "prefixed", operation: "WRITE", permission: "allow" },
      { principal: "User:*", resourceType: "cluster", resourceName: "kafka-cluster", patternType: "literal", operation: "DESCRIBE", permission: "deny" },
    ]);
  });

  it("without acls and superUsers there is no authorizer (every authenticated user may do everything, as before)", () => {
    expect(readSaslSettings({ users })!.authorizer).toBeUndefined();
    expect(read([])!.authorizer!.allows("alice", "topic", "t", "READ")).toBe(false);
  });

  it("superUsers must name SASL users", () => {
    expect(read([], { superUsers: ["admin"] })!.authorizer!.allows("admin", "topic", "t", "DELETE")).toBe(true);
    const e = configError(() => read([], { superUsers: ["root"] }));
    expect(e.key).toBe("listeners.kafka.sasl.superUsers[0]");
    expect(e.message).toMatch(/alice, admin/);
  });

  const bad: Array<[string, unknown, string, RegExp]> = [
    ["an unknown operation", { ...ok, operations: ["READ", "PUBLISH"] }, "listeners.kafka.sasl.acls[0].operations[1]", /one of ALL, READ, WRITE.*"PUBLISH"/],
    ["an operation the resource type has not", { ...ok, resourceType: "group", operations: ["WRITE"] }, "listeners.kafka.sasl.acls[0].operations[0]", /operation on a group: one of ALL, READ, DELETE, DESCRIBE/],
    ["a bad pattern type", { ...ok, patternType: "glob" }, "listeners.kafka.sasl.acls[0].patternType", /literal \| prefixed.*"glob"/],
    ["a bad resource type", { ...ok, resourceType: "topics" }, "listeners.kafka.sasl.acls[0].resourceType", /topic \| group \| transactional-id \| cluster/],
    ["no resource type", { ...ok, resourceType: undefined }, "listeners.kafka.sasl.acls[0].resourceType", /topic \| group/],
    ["an unknown user", { ...ok, principal: "User:mallory" }, "listeners.kafka.sasl.acls[0].principal", /User:<name> naming a user.*\(alice, admin\).*"User:mallory"/],
    ["a principal without User:", { ...ok, principal: "alice" }, "listeners.kafka.sasl.acls[0].principal", /User:<name>/],
    ["a glob in a topic name", { ...ok, resourceName: "sensors.*", patternType: "literal" }, "listeners.kafka.sasl.acls[0].resourceName", /patternType: prefixed/],
    ["a prefixed *", { ...ok, resourceName: "*" }, "listeners.kafka.sasl.acls[0].resourceName", /needs patternType: literal/],
    ["a named cluster", { principal: "User:alice", resourceType: "cluster", resourceName: "prod", operations: ["DESCRIBE"] }, "listeners.kafka.sasl.acls[0].resourceName", /kafka-cluster/],
    ["no operations", { ...ok, operations: [] }, "listeners.kafka.sasl.acls[0].operations", /non-empty list/],
    ["a bad permission", { ...ok, permission: "maybe" }, "listeners.kafka.sasl.acls[0].permission", /allow \| deny/],
    ["an unknown key", { ...ok, host: "10.0.0.1" }, "listeners.kafka.sasl.acls[0].host", /a known key/],
  ];
  for (const [what, entry, key, message] of bad) {
    it(`${what} stops start-up naming the key and the expected form`, () => {
      const e = configError(() => read([entry]));
      expect(e.key).toBe(key);
      expect(e.message).toMatch(message);
    });
  }
});
