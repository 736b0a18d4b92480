// SCRAM's key derivation (RFC 5802 section 3, RFC 7677), shared by both ends: the Kafka
// listener's server side (gateways/kafka/sasl) and the bridge's client side (bridge/sasl.ts).
// Kafka runs it as KIP-84 states: SCRAM-SHA-256 and SCRAM-SHA-512, at least 4096 iterations.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

export const scramMechanisms = ["SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
export type ScramMechanism = (typeof scramMechanisms)[number];

/** Kafka's bounds on a credential's iteration count (ScramMechanism.minIterations/maxIterations). */
export const scramIterationsMin = 4096;
export const scramIterationsMax = 16384;

/** What a server keeps of a password. */
export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

/** What the client derives from the password to prove it and check the server. */
export interface ScramKeys {
  clientKey: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

export const scramHashOf = (m: ScramMechanism): "sha256" | "sha512" => (m === "SCRAM-SHA-256" ? "sha256" : "sha512");
export const scramHmac = (m: ScramMechanism, key: Buffer, data: string | Buffer): Buffer => createHmac(scramHashOf(m), key).update(data).digest();
export const scramHash = (m: ScramMechanism, data: Buffer): Buffer => createHash(scramHashOf(m)).update(data).digest();

/** SaltedPassword = Hi(Normalize(password), salt, i), then ClientKey, StoredKey and ServerKey. */
export function scramKeys(m: ScramMechanism, password: string, salt: Buffer, iterations: number): ScramKeys {
  const hash = scramHashOf(m);
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, hash === "sha256" ? 32 : 64, hash);
  const clientKey = scramHmac(m, salted, "Client Key");
  return { clientKey, storedKey: scramHash(m, clientKey), serverKey: scramHmac(m, salted, "Server Key") };
}

export function deriveScramCredential(m: ScramMechanism, password: string, iterations: number, salt: Buffer = randomBytes(16)): ScramCredential {
  const { storedKey, serverKey } = scramKeys(m, password, salt, iterations);
  return { salt, iterations, storedKey, serverKey };
}
