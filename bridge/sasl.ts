// bridge.sasl: SASL on every upstream connection, client side, right after ApiVersions (as
// librdkafka and kafkajs do). SaslHandshake v1 names the mechanism, then SaslAuthenticate (v0 or
// v1) carries the tokens: PLAIN in one round (RFC 4616), SCRAM in two (RFC 5802 and 7677, as
// Kafka runs it: KIP-84, no channel binding). A refusal becomes an UpstreamError of kind "auth"
// naming the broker's message and the keys to check; the connection is then closed.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, type BridgeSaslConfig } from "../runtime/config/index.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { ErrorCode, errorInfo } from "../runtime/kafka/errors.ts";
import type { SaslHandshakeResponse } from "../runtime/kafka/apis/saslHandshake/index.ts";
import type { SaslAuthenticateResponse } from "../runtime/kafka/apis/saslAuthenticate/index.ts";
import { scramHmac, scramIterationsMax, scramIterationsMin, scramKeys, type ScramMechanism } from "../runtime/kafka/scram.ts";
import type { BrokerConnection } from "./connection.ts";
import { UpstreamError } from "./errors.ts";

/** A SASL exchange as the client runs it: the first token, then an answer per server token
 * (null: the exchange is complete once the server accepted this token). */
interface SaslClient {
  first(): Buffer;
  next(serverToken: Buffer): Buffer | null;
  /** Checks the server's last token (SCRAM's server signature). */
  finish(serverToken: Buffer): void;
}

/** bridge.sasl → what BrokerConnection runs after ApiVersions; the password file is read now, at
 * start, so a missing one stops ledge with its key named. */
export function bridgeSaslAuthenticator(sasl: BridgeSaslConfig | undefined): ((c: BrokerConnection) => Promise<void>) | undefined {
  if (!sasl) return undefined;
  const password = sasl.password ?? readPasswordFile(sasl.passwordFile!);
  return (c) => authenticate(c, sasl, password);
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError("bridge.sasl.passwordFile", "a readable file holding the password", `${file} (${(err as Error).message})`);
  }
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new ConfigError("bridge.sasl.passwordFile", "a file holding a non-empty password", file);
  return password;
}

async function authenticate(c: BrokerConnection, sasl: BridgeSaslConfig, password: string): Promise<void> {
  const who = `as user '${sasl.username}' with ${sasl.mechanism}`;
  if (!c.range(ApiKey.SaslHandshake)) {
    throw new UpstreamError("auth", `broker ${c.name} offers no SASL (its ApiVersions lists no SaslHandshake); bridge.sasl is set: remove it, or point bridge.brokers at the upstream's SASL listener`);
  }
  const hv = c.requireVersion(ApiKey.SaslHandshake, 1, 1, "for bridge.sasl (v0's raw tokens are not spoken)");
  const av = c.requireVersion(ApiKey.SaslAuthenticate, 0, 1, "for bridge.sasl");
  const hs = await c.request<SaslHandshakeResponse>(ApiKey.SaslHandshake, hv, { mechanism: sasl.mechanism });
  if (hs.errorCode === ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
    throw new UpstreamError("auth", `broker ${c.name} does not offer SASL ${sasl.mechanism} (it offers ${hs.mechanisms.join(", ") || "none"}); set bridge.sasl.mechanism to one of those`, hs.errorCode);
  }
  if (hs.errorCode !== 0) throw refused(c, who, hs.errorCode, "");
  const client = sasl.mechanism === "PLAIN" ? plainClient(sasl.username, password) : scramClient(sasl.mechanism, sasl.username, password);
  let token: Buffer | null = client.first();
  for (let round = 0; token !== null; round++) {
    if (round >= 2) throw new UpstreamError("protocol", `broker ${c.name} wants more SASL ${sasl.mechanism} rounds than the mechanism has`);
    const res: SaslAuthenticateResponse = await c.request<SaslAuthenticateResponse>(ApiKey.SaslAuthenticate, av, { authBytes: token });
    if (res.errorCode !== 0) throw refused(c, who, res.errorCode, res.errorMessage ?? "");
    const answer = Buffer.from(res.authBytes);
    token = client.next(answer);
    if (token === null) client.finish(answer);
  }
}

function refused(c: BrokerConnection, who: string, code: number, message: string): UpstreamError {
  const info = errorInfo(code);
  const theirs = message ? ` (${message})` : "";
  return new UpstreamError("auth", `broker ${c.name} refused SASL authentication ${who}: ${info.name} (${code})${theirs}; check bridge.sasl.username and bridge.sasl.password (or passwordFile), and that this user exists upstream for that mechanism`, code);
}

/** RFC 4616: authzid (empty), authcid, password, NUL-separated; one token, nothing back. */
function plainClient(username: string, password: string): SaslClient {
  return {
    first: () => Buffer.from(`\0${username}\0${password}`, "utf8"),
    next: () => null,
    finish: () => undefined,
  };
}

/** RFC 5802 section 5.1: "=" and "," in a user name travel as "=3D" and "=2C". */
const escapeName = (name: string) => name.replace(/=/g, "=3D").replace(/,/g, "=2C");

function scramClient(m: ScramMechanism, username: string, password: string): SaslClient {
  const nonce = randomBytes(24).toString("base64");
  const clientFirstBare = `n=${escapeName(username)},r=${nonce}`;
  let expectedServerSignature: Buffer | null = null;
  return {
    // gs2 header "n,,": no channel binding, no authorization identity.
    first: () => Buffer.from(`n,,${clientFirstBare}`, "utf8"),
    next(serverToken) {
      if (expectedServerSignature !== null) return null;
      const serverFirst = serverToken.toString("utf8");
      const attrs = scramAttributes(serverFirst);
      const serverNonce = attrs.get("r") ?? "";
      const salt = Buffer.from(attrs.get("s") ?? "", "base64");
      const iterations = Number(attrs.get("i"));
      if (!serverNonce.startsWith(nonce) || serverNonce.length === nonce.length) throw scramBroken(m, "its nonce does not extend ours");
      if (salt.length === 0) throw scramBroken(m, "it sent no salt");
      if (!Number.isInteger(iterations) || iterations < scramIterationsMin || iterations > scramIterationsMax) {
        throw scramBroken(m, `it asks for ${attrs.get("i")} iterations, outside Kafka's ${scramIterationsMin} to ${scramIterationsMax}`);
      }
      const keys = scramKeys(m, password, salt, iterations);
      const withoutProof = `c=biws,r=${serverNonce}`; // biws = base64("n,,")
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const signature = scramHmac(m, keys.storedKey, authMessage);
      const proof = Buffer.alloc(signature.length);
      for (let i = 0; i < proof.length; i++) proof[i] = keys.clientKey[i] ^ signature[i];
      expectedServerSignature = scramHmac(m, keys.serverKey, authMessage);
      return Buffer.from(`${withoutProof},p=${proof.toString("base64")}`, "utf8");
    },
    finish(serverToken) {
      const attrs = scramAttributes(serverToken.toString("utf8"));
      if (attrs.has("e")) throw new UpstreamError("auth", `upstream refused SASL ${m} authentication as user '${username}': ${attrs.get("e")}; check bridge.sasl.username and bridge.sasl.password (or passwordFile)`);
      const v = Buffer.from(attrs.get("v") ?? "", "base64");
      // The server proves it knows the password too: a stranger posing as the upstream fails here.
      if (expectedServerSignature === null || v.length !== expectedServerSignature.length || !timingSafeEqual(v, expectedServerSignature)) {
        throw scramBroken(m, "its server signature does not match: it does not hold this user's credentials (a different upstream than configured?)");
      }
    },
  };
}

function scramAttributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    if (part[1] !== "=") continue; // extensions we do not use
    out.set(part[0], part.slice(2));
  }
  return out;
}

function scramBroken(m: ScramMechanism, what: string): UpstreamError {
  return new UpstreamError("auth", `upstream's SASL ${m} answer is refused: ${what}; check bridge.brokers and bridge.sasl.mechanism`);
}
