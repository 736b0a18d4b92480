// Who may connect, and as whom: username/password (scrypt hashes in config), TLS client
// certificates (identity = the certificate's CN, matched to a `certificateCN` user entry), and
// anonymous clients when `mqtt.allowAnonymous` allows them. The identity carries the user's ACL
// (see acl.ts). The answers the broker sends on failure are here too, so every handler gives
// the same codes:
//
//   failure               MQTT 5 reason code              MQTT 3.1.1
//   bad-credentials       CONNACK 0x86 Bad User Name or…  CONNACK return code 4
//   not-authorized        CONNACK 0x87 Not authorized     CONNACK return code 5
//   PUBLISH outside ACL   PUBACK/PUBREC 0x87 (QoS 0: drop) close the connection [MQTT-3.3.5-2]
//   SUBSCRIBE outside ACL SUBACK 0x87 for that filter     SUBACK 0x80 for that filter
//
// Config (mqtt section):
//   allowAnonymous: true|false|loopback   default: loopback while no users are configured (clients
//                 on this machine get in without a login, as Mosquitto's local-only mode), else false
//   users:
//     - { username: alice, passwordHash: "scrypt$16384$8$1$<salt b64>$<hash b64>",
//         acl: { publish: ["sensors/alice/#"], subscribe: ["cmd/alice/#"] } }
//     - { certificateCN: device-17, acl: { publish: ["sensors/device-17/#"], subscribe: [] } }
//   An entry without `acl` may publish and subscribe everywhere. Make a hash with
//   `printf %s 'pw' | ledge hash-password`.
import { createHash, timingSafeEqual } from "node:crypto";
import { ConfigError } from "../../runtime/config/errors.ts";
import { ConfigReader } from "../../runtime/config/reader.ts";
import { filterProblem, fullAccess, type Acl, type Identity } from "./acl.ts";
import { parsePasswordHash, verifyPassword, type PasswordHash } from "./auth-password.ts";

export { canPublish, canSubscribe, type Acl, type Identity } from "./acl.ts";

export interface MqttUser {
  username?: string;
  passwordHash?: PasswordHash;
  certificateCN?: string;
  acl: Acl;
}

export interface MqttAuthConfig {
  /** "loopback": anonymous clients only from this machine (127.0.0.0/8, ::1). */
  allowAnonymous: boolean | "loopback";
  users: MqttUser[];
}

/** What the transport knows about the peer. `peerCertificate` is given only when the TLS
 * chain verified against `listeners.mqtt.tls.ca` (tls.TLSSocket#authorized). */
export interface Credentials {
  username?: string;
  password?: Buffer | string;
  peerCertificate?: { subject?: { CN?: string | string[] } } | null;
  /** The peer's IP address (for allowAnonymous: loopback). */
  remoteIp?: string;
}

/** Whether `ip` is this machine: IPv4 127.0.0.0/8 (also IPv4-mapped), or IPv6 ::1. */
export function isLoopbackIp(ip: string | undefined): boolean {
  if (!ip) return false;
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || ip === "::1";
}

export type AuthFailureReason = "bad-credentials" | "not-authorized";

export type AuthResult =
  | { ok: true; identity: Identity }
  | { ok: false; reason: AuthFailureReason; message: string };

function readAcl(r: ConfigReader): Acl {
  if (!r.has("acl")) return (r.raw("acl"), fullAccess);
  const a = r.section("acl");
  const list = (name: "publish" | "subscribe") =>
    a.list(name, (item, key) => {
      const problem = filterProblem(item);
      if (problem) throw new ConfigError(key, problem, item);
      return item as string;
    });
  const acl = { publish: list("publish"), subscribe: list("subscribe") };
  a.done();
  return acl;
}

function readUser(item: unknown, key: string): MqttUser {
  const r = new ConfigReader(item, key);
  const username = r.optionalString("username");
  const certificateCN = r.optionalString("certificateCN");
  let passwordHash: PasswordHash | undefined;
  if (r.has("passwordHash")) {
    const parsed = parsePasswordHash(r.raw("passwordHash"));
    if (typeof parsed === "string") throw new ConfigError(r.key("passwordHash"), parsed, r.raw("passwordHash"));
    passwordHash = parsed;
  } else r.raw("passwordHash");
  if (username === undefined && certificateCN === undefined) {
    throw new ConfigError(key, "a user with `username` (and `passwordHash`) or `certificateCN`", item);
  }
  if (username !== undefined && passwordHash === undefined) {
    throw new ConfigError(r.key("passwordHash"), "an scrypt hash for the user (make one with: printf %s 'pw' | ledge hash-password)", undefined);
  }
  const acl = readAcl(r);
  r.done();
  return { username, certificateCN, passwordHash, acl };
}

/** Reads `allowAnonymous` and `users` from the `mqtt` config section (the caller calls done()). */
export function readAuthConfig(mqtt: ConfigReader): MqttAuthConfig {
  const users = mqtt.list("users", readUser);
  const seen = new Set<string>();
  users.forEach((u, i) => {
    for (const id of [u.username && `username ${u.username}`, u.certificateCN && `certificateCN ${u.certificateCN}`]) {
      if (!id) continue;
      if (seen.has(id)) throw new ConfigError(`${mqtt.key("users")}[${i}]`, `a user whose ${id} appears once`, id);
      seen.add(id);
    }
  });
  const raw = mqtt.raw("allowAnonymous");
  if (raw !== undefined && raw !== null && raw !== true && raw !== false && raw !== "loopback") {
    throw new ConfigError(mqtt.key("allowAnonymous"), "true, false or loopback", raw);
  }
  const allowAnonymous = raw === undefined || raw === null ? (users.length === 0 ? "loopback" : false) : raw;
  return { allowAnonymous, users };
}

// One digest per user of the last password that verified, so a thousand devices reconnecting
// with the same credentials cost one scrypt, not a thousand. Bounded by the number of users.
const verifiedDigests = new WeakMap<MqttUser, Buffer>();

function digest(user: MqttUser, password: Buffer): Buffer {
  return createHash("sha256").update(user.passwordHash!.salt).update(password).digest();
}

// Unknown usernames still pay one scrypt, so response time does not reveal which names exist.
const decoyHash = parsePasswordHash("scrypt$16384$8$1$bGVkZ2UtZGVjb3ktc2FsdA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") as PasswordHash;

async function checkPassword(auth: MqttAuthConfig, username: string, password: Buffer): Promise<AuthResult> {
  const user = auth.users.find((u) => u.username === username);
  const refused: AuthResult = { ok: false, reason: "bad-credentials", message: `wrong username or password for '${username}'` };
  if (!user) {
    await verifyPassword(password, decoyHash);
    return refused;
  }
  const known = verifiedDigests.get(user);
  const candidate = digest(user, password);
  if (known && timingSafeEqual(known, candidate)) return { ok: true, identity: { kind: "user", name: username, acl: user.acl } };
  if (!(await verifyPassword(password, user.passwordHash!))) return refused;
  verifiedDigests.set(user, candidate);
  return { ok: true, identity: { kind: "user", name: username, acl: user.acl } };
}

function certificateName(cert: Credentials["peerCertificate"]): string | undefined {
  const cn = cert?.subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** Decides who a connecting client is. Username/password first when a username is sent, then
 * a verified client certificate, then anonymous when allowed. */
export async function authenticate(auth: MqttAuthConfig, credentials: Credentials): Promise<AuthResult> {
  const { username, password } = credentials;
  if (username !== undefined && username !== "") {
    if (password === undefined) return { ok: false, reason: "bad-credentials", message: `no password sent for '${username}'` };
    return checkPassword(auth, username, Buffer.isBuffer(password) ? password : Buffer.from(password, "utf8"));
  }
  const cn = certificateName(credentials.peerCertificate);
  if (cn !== undefined) {
    const user = auth.users.find((u) => u.certificateCN === cn);
    if (user) return { ok: true, identity: { kind: "certificate", name: cn, acl: user.acl } };
    if (auth.allowAnonymous !== true) {
      return { ok: false, reason: "not-authorized", message: `client certificate CN '${cn}' matches no mqtt.users certificateCN entry` };
    }
  }
  if (auth.allowAnonymous === true || (auth.allowAnonymous === "loopback" && isLoopbackIp(credentials.remoteIp))) {
    return { ok: true, identity: { kind: "anonymous", name: "anonymous", acl: fullAccess } };
  }
  if (auth.allowAnonymous === "loopback") {
    return { ok: false, reason: "not-authorized", message: `anonymous clients are let in only from this machine, and this one is ${credentials.remoteIp ?? "remote"} (mqtt.allowAnonymous is loopback while no mqtt.users are configured); log in as one of mqtt.users, or set mqtt.allowAnonymous: true` };
  }
  return { ok: false, reason: "not-authorized", message: "anonymous clients are refused (mqtt.allowAnonymous is false); send a username and password" };
}

/** CONNACK code for a failed authentication: MQTT 5 reason code or 3.1.1 return code. */
export function connackCodeFor(reason: AuthFailureReason, protocolVersion: number): number {
  if (protocolVersion === 5) return reason === "bad-credentials" ? 0x86 : 0x87;
  return reason === "bad-credentials" ? 4 : 5;
}

/** SUBACK code for a filter outside the ACL: 0x87 Not authorized (5) or 0x80 Failure (3.1.1). */
export function subackDeniedCode(protocolVersion: number): number {
  return protocolVersion === 5 ? 0x87 : 0x80;
}

/** What to do with a PUBLISH outside the ACL. MQTT 3.1.1 has no negative PUBACK, so the
 * connection is closed [MQTT-3.3.5-2]; MQTT 5 answers 0x87 (QoS 1/2) or drops (QoS 0). */
export function publishDeniedAction(protocolVersion: number, qos: number): { action: "ack"; reasonCode: 0x87 } | { action: "drop" } | { action: "disconnect" } {
  if (protocolVersion !== 5) return { action: "disconnect" };
  return qos === 0 ? { action: "drop" } : { action: "ack", reasonCode: 0x87 };
}
