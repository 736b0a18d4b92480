// The PEM files a listener's `tls` section names, read and checked at start: a missing or
// unreadable file, or a key that does not match its certificate, is a config error naming the
// key, not a failed start or handshake later. Every TLS listener (MQTT, Kafka, HTTP) reads here.
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { ConfigError } from "./errors.ts";
import type { TlsConfig } from "./schema.ts";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** One PEM file a `tls` section names; a file that cannot be read is a config error naming
 * `keyPath.name`. The bridge's client-side `tls` reads through this too. */
export function readPemFile(keyPath: string, name: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`${keyPath}.${name}`, "a readable PEM file", `${file} (${(err as Error).message})`);
  }
}

/** Reads `tls.cert`, `tls.key` and `tls.ca` (when set) and checks they make a TLS context;
 * `keyPath` is the config key, e.g. "listeners.mqtt.tls". */
export function readTlsFiles(tls: TlsConfig, keyPath: string): TlsFiles {
  const read = (name: "cert" | "key" | "ca", file: string) => readPemFile(keyPath, name, file);
  const files: TlsFiles = { cert: read("cert", tls.cert), key: read("key", tls.key), ca: tls.ca === undefined ? undefined : read("ca", tls.ca) };
  try {
    createSecureContext(files);
  } catch (err) {
    throw new ConfigError(keyPath, "a matching PEM certificate and private key", (err as Error).message);
  }
  return files;
}
