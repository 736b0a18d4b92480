// `listeners.kafka.sasl`: which mechanisms the Kafka listener offers and who may log in.
//
//   listeners:
//     kafka:
//       sasl:
//         mechanisms: [PLAIN, SCRAM-SHA-256, SCRAM-SHA-512]   # optional; default: all three
//         users:
//           - { name: alice, password: alice-secret }          # PLAIN and both SCRAMs
//           - name: bob                                        # SCRAM only, no password kept
//             scram:
//               SCRAM-SHA-256: { salt: <base64>, iterations: 4096, storedKey: <base64>, serverKey: <base64> }
//         mqttUsers: false                                   # true: mqtt.users log in too (PLAIN), see below
//         acls: [...]                                        # optional: Kafka ACLs (../authz/config.ts)
//         superUsers: [...]
//
// With `mqttUsers: true` each `mqtt.users` entry with a username and passwordHash is also a Kafka
// user of that name: one identity, one password, for both protocols. It logs in with SASL PLAIN
// (the scrypt hash cannot give SCRAM credentials), checked by the MQTT gateway's own code (bin/
// wires it in; gateways do not import each other). A name in both tables is refused.
//
// With a password, ledge derives the SCRAM credentials at start (4096 iterations, random salt).
// Salted credentials are the ones `kafka-configs --alter --add-config 'SCRAM-SHA-256=[...]'`
// would store (RFC 5802: StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key")).
import { ConfigError } from "../../../runtime/config/index.ts";
import { ConfigReader } from "../../../runtime/config/reader.ts";
import { readAcls } from "../authz/config.ts";
import type { Authorizer } from "../authz/acl.ts";
import { deriveScramCredential, scramMechanisms, type ScramCredential, type ScramMechanism } from "./scram.ts";

export const saslMechanisms = ["PLAIN", ...scramMechanisms] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export interface SaslUser {
  name: string;
  password?: string;
  scram: Partial<Record<ScramMechanism, ScramCredential>>;
}

/** Users whose password lives elsewhere (mqtt.users, with `mqttUsers: true`): PLAIN only. */
export interface ExternalUsers {
  names: ReadonlySet<string>;
  /** Where the names come from, for error messages. */
  source: string;
  checkPassword(name: string, password: string): Promise<boolean>;
}

export interface SaslSettings {
  mechanisms: SaslMechanism[];
  users: Map<string, SaslUser>;
  /** Set with `mqttUsers: true`. */
  external?: ExternalUsers;
  /** `acls` / `superUsers` (authz/config.ts); undefined: every authenticated user may do everything. */
  authorizer?: Authorizer;
}

const key = "listeners.kafka.sasl";
const iterationsDefault = 4096;

function base64Field(r: ConfigReader, name: string): Buffer {
  const v = r.raw(name);
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(v)) throw new ConfigError(r.key(name), "a base64 string", v);
  return Buffer.from(v, "base64");
}

function scramEntry(r: ConfigReader): ScramCredential {
  const iterations = r.raw("iterations");
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 4096) {
    throw new ConfigError(r.key("iterations"), "an integer of at least 4096 (Kafka's minimum)", iterations);
  }
  const out = { salt: base64Field(r, "salt"), iterations, storedKey: base64Field(r, "storedKey"), serverKey: base64Field(r, "serverKey") };
  r.done();
  return out;
}

function user(raw: unknown, where: string): SaslUser {
  if (!raw || typeof raw !== "object") throw new ConfigError(where, "a mapping with name and password (or scram)", raw);
  const r = new ConfigReader(raw, where);
  const name = r.raw("name");
  if (typeof name !== "string" || name.length === 0) throw new ConfigError(r.key("name"), "a non-empty user name", name);
  const password = r.raw("password");
  if (password !== undefined && (typeof password !== "string" || password.length === 0)) throw new ConfigError(r.key("password"), "a non-empty string", "(hidden)");
  const out: SaslUser = { name, password: password as string | undefined, scram: {} };
  if (r.has("scram")) {
    const s = r.section("scram");
    for (const m of scramMechanisms) if (s.has(m)) out.scram[m] = scramEntry(s.section(m));
    s.done();
  } else r.raw("scram");
  r.done();
  if (out.password === undefined && Object.keys(out.scram).length === 0) throw new ConfigError(where, "a password or scram credentials", raw);
  if (out.password !== undefined) {
    for (const m of scramMechanisms) out.scram[m] ??= deriveScramCredential(m, out.password, iterationsDefault);
  }
  return out;
}

/** Validates the raw `sasl` section; undefined when SASL is off. Throws ConfigError naming the key.
 * `mqttUsers`: the users `mqttUsers: true` lets in (bin/ passes mqtt.users). */
export function readSaslSettings(raw: Record<string, unknown> | undefined, mqttUsers?: ExternalUsers): SaslSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(key, "a mapping with users (and optional mechanisms)", raw);
  const r = new ConfigReader(raw, key);
  const mechanisms = (r.raw("mechanisms") ?? [...saslMechanisms]) as unknown;
  if (!Array.isArray(mechanisms) || mechanisms.length === 0 || mechanisms.some((m) => !(saslMechanisms as readonly string[]).includes(m))) {
    throw new ConfigError(r.key("mechanisms"), `a non-empty list of ${saslMechanisms.join(", ")}`, mechanisms);
  }
  const external = r.boolean("mqttUsers", false) ? mqttUsers ?? { names: new Set<string>(), source: "mqtt.users", checkPassword: async () => false } : undefined;
  if (external && !mechanisms.includes("PLAIN")) throw new ConfigError(r.key("mechanisms"), "a list including PLAIN (mqttUsers: true lets mqtt.users log in with PLAIN)", mechanisms);
  const users = new Map<string, SaslUser>();
  r.list("users", user).forEach((parsed, i) => {
    if (users.has(parsed.name)) throw new ConfigError(`${r.key("users")}[${i}].name`, "a name not used by another user", parsed.name);
    if (external?.names.has(parsed.name)) throw new ConfigError(`${r.key("users")}[${i}].name`, `a name not also in ${external.source} (mqttUsers: true makes those Kafka users too: one name, one identity)`, parsed.name);
    users.set(parsed.name, parsed);
  });
  if (users.size === 0 && !external?.names.size) throw new ConfigError(r.key("users"), `a non-empty list of users${external ? ` (${external.source} has none with a username and passwordHash)` : ""}`, raw.users);
  const authorizer = readAcls(r, new Set([...users.keys(), ...external?.names ?? []]));
  r.done();
  return { mechanisms: mechanisms as SaslMechanism[], users, external, authorizer };
}
