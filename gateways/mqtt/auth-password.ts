// Password hashes in config: "scrypt$N$r$p$saltB64$hashB64" (node:crypto scrypt; N a power of
// two; salt and hash base64). Make one with:
//
//   printf %s 's3cret' | ledge hash-password        (reads the password from stdin)
//
// or in any Node: crypto.scryptSync(pw, salt, 32, { N: 16384, r: 8, p: 1 }) and join the parts.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

export interface PasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

export const defaultScryptCost = { N: 16384, r: 8, p: 1 } as const;
const hashBytes = 32;
const saltBytes = 16;
// Bounds that keep a config typo from making each login take minutes or gigabytes.
const costNMax = 2 ** 20;
const costRMax = 32;
const costPMax = 16;

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 1 && (n & (n - 1)) === 0;
}

/** Parses the config form; returns a description of what is wrong as a string on failure. */
export function parsePasswordHash(text: unknown): PasswordHash | string {
  if (typeof text !== "string") return "a string scrypt$N$r$p$saltBase64$hashBase64";
  const parts = text.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return "of the form scrypt$N$r$p$saltBase64$hashBase64";
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (!isPowerOfTwo(N) || N > costNMax) return `scrypt N a power of two up to ${costNMax}`;
  if (!Number.isInteger(r) || r < 1 || r > costRMax) return `scrypt r from 1 to ${costRMax}`;
  if (!Number.isInteger(p) || p < 1 || p > costPMax) return `scrypt p from 1 to ${costPMax}`;
  const salt = Buffer.from(parts[4], "base64");
  const hash = Buffer.from(parts[5], "base64");
  if (salt.length < 8) return "a salt of at least 8 bytes (base64)";
  if (hash.length < 16 || hash.length > 64) return "a hash of 16 to 64 bytes (base64)";
  return { N, r, p, salt, hash };
}

function scryptOptions(h: { N: number; r: number; p: number }) {
  // Node refuses costs above 32 MiB of memory unless maxmem says otherwise.
  return { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 };
}

/** The config string for `password`, with a fresh random salt. */
export function hashPassword(password: string, cost: { N: number; r: number; p: number } = defaultScryptCost): string {
  const salt = randomBytes(saltBytes);
  const hash = scryptSync(password, salt, hashBytes, scryptOptions(cost));
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

// At most two derivations run at once: libuv's pool has four threads and file I/O needs them
// too. A storm of logins waits here instead; the waiters are connections in CONNECT, so
// mqtt.limits.connectionCountMax (and the connect timeout) bound this queue.
const derivationsMax = 2;
let derivationsRunning = 0;
const derivationsWaiting: Array<() => void> = [];

/** scrypt derivations in flight now (for tests and metrics). */
export function derivationsRunningCount(): number {
  return derivationsRunning;
}

async function derivationSlot(): Promise<void> {
  if (derivationsRunning < derivationsMax) {
    derivationsRunning++;
    return;
  }
  await new Promise<void>((resolve) => derivationsWaiting.push(resolve)); // the slot is handed over
}

function releaseDerivationSlot(): void {
  const next = derivationsWaiting.shift();
  if (next) next();
  else derivationsRunning--;
}

/** Derives the key on libuv's thread pool (never blocks the event loop) and compares it in
 * constant time. */
export async function verifyPassword(password: Buffer, h: PasswordHash): Promise<boolean> {
  await derivationSlot();
  try {
    return await new Promise((resolve, reject) => {
      scrypt(password, h.salt, h.hash.length, scryptOptions(h), (err, derived) => {
        if (err) return reject(err);
        resolve(timingSafeEqual(derived, h.hash));
      });
    });
  } finally {
    releaseDerivationSlot();
  }
}
