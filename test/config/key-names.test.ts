// Lints the name of every config key the code reads against the scheme README "Configuration"
// states: `<noun><Unit><Qualifier>`, Unit one of Ms, Seconds, Bytes, Count (optionally "per"
// something: publishCountPerSecondMax), Qualifier (Max, Min, Default) last. The keys come from
// the readers themselves (ConfigReader.keysReadBy), not from a list kept by hand: a key added to
// any section is linted the day it is added.
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import type { SchemaKey } from "../../runtime/config/reader.ts";
import { deprecatedKeys } from "../../runtime/config/deprecated-keys.ts";
import { fullDocument, schemaKeys } from "./schema-walk.ts";

/** Names that do not follow the scheme, each with its reason. */
const exceptions: Record<string, string> = {
  // DESIGN.md "Configuration": "The shape that issues and users' scripts rely on — extend it,
  // don't rename it".
  "storage.maxBytes": "DESIGN.md configuration block (a user contract)",
  "listeners.kafka.maxRequestBytes": "DESIGN.md configuration block (a user contract)",
  "topics[].partitions": "DESIGN.md configuration block (a user contract)",
  // Issue #13's pipeline form, which users' configs follow as given.
  "pipelines[].window.size": "issue #13's pipeline form (a user contract): a duration, or a record count for count windows",
  "pipelines[].window.advance": "issue #13's pipeline form (a user contract)",
  "pipelines[].window.grace": "issue #13's pipeline form (a user contract)",
  "pipelines[].window.gap": "issue #13's pipeline form (a user contract): session windows' gap",
  // Numbers that name something rather than measure it.
  "listeners.mqtt.port": "a port number is an address, not a quantity",
  "listeners.kafka.port": "a port number is an address, not a quantity",
  "listeners.http.port": "a port number is an address, not a quantity",
  "listeners.kafka.advertisedPort": "a port number is an address, not a quantity",
  "mqtt.bridgeFrom[].protocolVersion": "an MQTT protocol level (4 or 5), not a quantity",
  "bridge.topics[].priority": "a rank that orders topics, not a quantity",
  // Names defined by Kafka's SCRAM credentials (kafka-configs 'SCRAM-SHA-256=[iterations=...]').
  "listeners.kafka.sasl.users[].scram.SCRAM-SHA-256": "a Kafka SASL mechanism name",
  "listeners.kafka.sasl.users[].scram.SCRAM-SHA-256.iterations": "Kafka's SCRAM credential field name",
};

const unit = "(Ms|Seconds|Bytes|Count)(Per[A-Z][a-zA-Z]*)?(Max|Min|Default)?$";
const unitsFor: Partial<Record<SchemaKey["kind"], RegExp>> = {
  ms: new RegExp(`Ms(Per[A-Z][a-zA-Z]*)?(Max|Min|Default)?$`),
  bytes: new RegExp(`Bytes(Per[A-Z][a-zA-Z]*)?(Max|Min|Default)?$`),
  integer: new RegExp(unit),
};

function valueAt(doc: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((node, name) => {
    const list = name.endsWith("[]");
    const v = (node as Record<string, unknown> | undefined)?.[list ? name.slice(0, -2) : name];
    return list ? (v as unknown[] | undefined)?.[0] : v;
  }, doc);
}

/** What the name should be, or undefined when it follows the scheme. */
function problem(key: SchemaKey, doc: unknown): string | undefined {
  const name = key.path.slice(key.path.lastIndexOf(".") + 1).replace("[]", "");
  if (!/^[a-z][a-zA-Z0-9]*$/.test(name)) return "a camelCase name";
  if (/^(max|min|default|num)[A-Z]/.test(name)) return "the qualifier last (fooBytesMax, not maxFooBytes)";
  // A key read raw is linted by what it holds in the full document: a number is a quantity.
  const kind = key.kind === "raw" && typeof valueAt(doc, key.path) === "number" ? "integer" : key.kind;
  const pattern = unitsFor[kind];
  if (pattern && !pattern.test(name)) return `a unit in the name (${pattern.source})`;
  return undefined;
}

describe("config key names", () => {
  const keys = schemaKeys();
  const paths = new Set(keys.map((k) => k.path));

  it("reads every section of the full document (the walk reaches nested lists and sections)", () => {
    for (const path of ["storage.syncIntervalMs", "groups.memberCountMax", "mqtt.limits.keepAliveSecondsMax", "mqtt.routes[].filter",
      "mqtt.users[].acl.publish", "mqtt.bridgeFrom[].reconnectMs", "listeners.kafka.sasl.users[].scram.SCRAM-SHA-256.salt", "topics[].name"]) {
      expect(paths, path).toContain(path);
    }
    expect(keys.length).toBeGreaterThan(60);
  });

  it("every key carries its unit, qualifier last, unless it is a listed exception", () => {
    const doc = fullDocument();
    const wrong = keys.filter((k) => !(k.path in exceptions)).map((k) => [k.path, problem(k, doc)]).filter(([, p]) => p !== undefined);
    expect(wrong).toEqual([]);
  });

  it("the lint catches names without a unit or with the qualifier first", () => {
    expect(problem({ path: "mqtt.limits.sessionsMax", kind: "integer" }, {})).toMatch(/unit/);
    expect(problem({ path: "storage.commitDelay", kind: "ms" }, {})).toMatch(/unit/);
    expect(problem({ path: "x.maxFooBytes", kind: "bytes" }, {})).toMatch(/qualifier last/);
    expect(problem({ path: "a.iterations", kind: "raw" }, { a: { iterations: 4096 } })).toMatch(/unit/);
    expect(problem({ path: "mqtt.limits.publishCountPerSecondMax", kind: "integer" }, {})).toBeUndefined();
  });

  it("every exception is a key the schema really has, and fails the lint without its exception", () => {
    const doc = fullDocument();
    for (const path of Object.keys(exceptions)) {
      const key = keys.find((k) => k.path === path);
      expect(key, path).toBeDefined();
      expect(problem(key!, doc), path).toBeDefined();
    }
  });

  it("every renamed key's new spelling is in the schema and its old one is not", () => {
    for (const [oldKey, newKey] of deprecatedKeys) {
      expect(paths, newKey).toContain(newKey);
      expect(paths, oldKey).not.toContain(oldKey);
    }
  });

  it("README's table of renamed keys is the table in deprecated-keys.ts", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const rows = [...readme.matchAll(/^\| `([\w.]+)` \| `([\w.]+)` \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(deprecatedKeys.map(([o, n]) => [o, n]));
  });
});
