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
//
// With a password, ledge derives the SCRAM credentials at start (4096 iterations, random salt).
// Salted credentials are the ones `kafka-configs --alter --add-config 'SCRAM-SHA-256=[...]'`
// would store (RFC 5802: StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key")).
import { ConfigError } from "../../../runtime/config/index.ts";
import { deriveScramCredential, scramMechanisms, type ScramCredential, type ScramMechanism } from "./scram.ts";

export const saslMechanisms = ["PLAIN", ...scramMechanisms] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export interface SaslUser {
  name: string;
  password?: string;
  scram: Partial<Record<ScramMechanism, ScramCredential>>;
}

export interface SaslSettings {
  mechanisms: SaslMechanism[];
  users: Map<string, SaslUser>;
}

const key = "listeners.kafka.sasl";
const iterationsDefault = 4096;

function base64Field(v: unknown, where: string): Buffer {
  if (typeof v !== "string" || !/^[A-Za-z0-9+/]+=*$/.test(v)) throw new ConfigError(where, "a base64 string", v);
  return Buffer.from(v, "base64");
}

function scramEntry(raw: unknown, where: string): ScramCredential {
  if (!raw || typeof raw !== "object") throw new ConfigError(where, "a mapping with salt, iterations, storedKey, serverKey", raw);
  const r = raw as Record<string, unknown>;
  const iterations = r.iterations;
  if (typeof iterations !== "number" || !Number.isInteger(iterations) || iterations < 4096) {
    throw new ConfigError(`${where}.iterations`, "an integer of at least 4096 (Kafka's minimum)", iterations);
  }
  return {
    salt: base64Field(r.salt, `${where}.salt`), iterations,
    storedKey: base64Field(r.storedKey, `${where}.storedKey`), serverKey: base64Field(r.serverKey, `${where}.serverKey`),
  };
}

function user(raw: unknown, i: number): SaslUser {
  const where = `${key}.users[${i}]`;
  if (!raw || typeof raw !== "object") throw new ConfigError(where, "a mapping with name and password (or scram)", raw);
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== "string" || r.name.length === 0) throw new ConfigError(`${where}.name`, "a non-empty user name", r.name);
  if (r.password !== undefined && (typeof r.password !== "string" || r.password.length === 0)) throw new ConfigError(`${where}.password`, "a non-empty string", "(hidden)");
  const out: SaslUser = { name: r.name, password: r.password as string | undefined, scram: {} };
  if (r.scram !== undefined) {
    if (!r.scram || typeof r.scram !== "object") throw new ConfigError(`${where}.scram`, `a mapping from ${scramMechanisms.join(" or ")} to salted credentials`, r.scram);
    for (const [m, cred] of Object.entries(r.scram as Record<string, unknown>)) {
      if (!(scramMechanisms as readonly string[]).includes(m)) throw new ConfigError(`${where}.scram`, `keys among ${scramMechanisms.join(", ")}`, m);
      out.scram[m as ScramMechanism] = scramEntry(cred, `${where}.scram.${m}`);
    }
  }
  if (out.password === undefined && Object.keys(out.scram).length === 0) throw new ConfigError(where, "a password or scram credentials", raw);
  if (out.password !== undefined) {
    for (const m of scramMechanisms) out.scram[m] ??= deriveScramCredential(m, out.password, iterationsDefault);
  }
  return out;
}

/** Validates the raw `sasl` section; undefined when SASL is off. Throws ConfigError naming the key. */
export function readSaslSettings(raw: Record<string, unknown> | undefined): SaslSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new ConfigError(key, "a mapping with users (and optional mechanisms)", raw);
  for (const k of Object.keys(raw)) if (k !== "mechanisms" && k !== "users") throw new ConfigError(`${key}.${k}`, "one of mechanisms, users", k);
  const mechanisms = (raw.mechanisms ?? [...saslMechanisms]) as unknown;
  if (!Array.isArray(mechanisms) || mechanisms.length === 0 || mechanisms.some((m) => !(saslMechanisms as readonly string[]).includes(m))) {
    throw new ConfigError(`${key}.mechanisms`, `a non-empty list of ${saslMechanisms.join(", ")}`, mechanisms);
  }
  if (!Array.isArray(raw.users) || raw.users.length === 0) throw new ConfigError(`${key}.users`, "a non-empty list of users", raw.users);
  const users = new Map<string, SaslUser>();
  raw.users.forEach((u, i) => {
    const parsed = user(u, i);
    if (users.has(parsed.name)) throw new ConfigError(`${key}.users[${i}].name`, "a name not used by another user", parsed.name);
    users.set(parsed.name, parsed);
  });
  return { mechanisms: mechanisms as SaslMechanism[], users };
}
