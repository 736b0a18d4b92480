// The PEM files a listener's `tls` section names, read at start: a missing or unreadable file
// is a config error naming the key, not a failed handshake later.
import { readFileSync } from "node:fs";
import { ConfigError } from "./errors.ts";
import type { TlsConfig } from "./schema.ts";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

/** Reads `tls.cert`, `tls.key` and `tls.ca` (when set); `keyPath` is the config key, e.g. "listeners.mqtt.tls". */
export function readTlsFiles(tls: TlsConfig, keyPath: string): TlsFiles {
  const read = (name: "cert" | "key" | "ca", file: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${keyPath}.${name}`, "a readable PEM file", `${file} (${(err as Error).message})`);
    }
  };
  return { cert: read("cert", tls.cert), key: read("key", tls.key), ca: tls.ca === undefined ? undefined : read("ca", tls.ca) };
}
