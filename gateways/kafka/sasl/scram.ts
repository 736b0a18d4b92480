// SCRAM-SHA-256 / SCRAM-SHA-512 server side (RFC 5802, RFC 7677), as Kafka runs it (KIP-84):
// client-first -> server-first -> client-final -> server-final, no channel binding.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { scramHash, scramHmac as hmac, type ScramCredential, type ScramMechanism } from "../../../runtime/kafka/scram.ts";

export { deriveScramCredential, scramMechanisms, type ScramCredential, type ScramMechanism } from "../../../runtime/kafka/scram.ts";

export class SaslFailure extends Error {}

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(",")) {
    const eq = part.indexOf("=");
    if (eq !== 1) throw new SaslFailure(`malformed SCRAM attribute ${JSON.stringify(part.slice(0, 20))}`);
    out.set(part[0], part.slice(2));
  }
  return out;
}

function unescapeName(n: string): string {
  if (/=(?!2C|3D)/.test(n)) throw new SaslFailure("malformed SCRAM user name escape");
  return n.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/** One SCRAM exchange on one connection: `first` then `final`. */
export class ScramExchange {
  readonly mechanism: ScramMechanism;
  readonly #lookup: (user: string) => ScramCredential | undefined;
  #clientFirstBare = "";
  #serverFirst = "";
  #nonce = "";
  #cred: ScramCredential | undefined;
  user = "";

  constructor(mechanism: ScramMechanism, lookup: (user: string) => ScramCredential | undefined) {
    this.mechanism = mechanism;
    this.#lookup = lookup;
  }

  /** client-first-message -> server-first-message. */
  first(token: Uint8Array): Buffer {
    const text = Buffer.from(token).toString("utf8");
    const m = /^([ny]|p=[^,]*),(a=[^,]*)?,(.*)$/.exec(text);
    if (!m) throw new SaslFailure("malformed SCRAM client-first message");
    if (m[1].startsWith("p=")) throw new SaslFailure("SCRAM channel binding is not supported");
    this.#clientFirstBare = m[3];
    const attrs = attributes(this.#clientFirstBare);
    const clientNonce = attrs.get("r");
    if (!attrs.has("n") || !clientNonce) throw new SaslFailure("SCRAM client-first message lacks n= or r=");
    this.user = unescapeName(attrs.get("n")!);
    // Unknown users get a made-up salt so the exchange reveals nothing until the proof fails.
    this.#cred = this.#lookup(this.user);
    const salt = this.#cred?.salt ?? randomBytes(16);
    const iterations = this.#cred?.iterations ?? 4096;
    this.#nonce = clientNonce + randomBytes(18).toString("base64");
    this.#serverFirst = `r=${this.#nonce},s=${salt.toString("base64")},i=${iterations}`;
    return Buffer.from(this.#serverFirst);
  }

  /** client-final-message -> server-final-message; throws SaslFailure on a wrong proof. */
  final(token: Uint8Array): Buffer {
    const text = Buffer.from(token).toString("utf8");
    const proofAt = text.lastIndexOf(",p=");
    if (proofAt < 0) throw new SaslFailure("SCRAM client-final message lacks p=");
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    // endsWith, as Kafka checks it: librdkafka 2.0.2 sends client nonce + our whole nonce.
    if (!(attrs.get("r") ?? "").endsWith(this.#nonce)) throw new SaslFailure("SCRAM nonce mismatch");
    const proof = Buffer.from(text.slice(proofAt + 3), "base64");
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const cred = this.#cred;
    if (!cred) throw new SaslFailure(`authentication failed for user ${JSON.stringify(this.user)}`);
    const clientSignature = hmac(this.mechanism, cred.storedKey, authMessage);
    if (proof.length !== clientSignature.length) throw new SaslFailure(`authentication failed for user ${JSON.stringify(this.user)}`);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
    const stored = scramHash(this.mechanism, clientKey);
    if (!timingSafeEqual(stored, cred.storedKey)) throw new SaslFailure(`authentication failed for user ${JSON.stringify(this.user)}`);
    return Buffer.from(`v=${hmac(this.mechanism, cred.serverKey, authMessage).toString("base64")}`);
  }
}
