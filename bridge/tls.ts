// bridge.tls → Node TLS client options: the PEM files are read at start, so a missing file
// stops ledge with the config key named rather than failing each connection later.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { ConfigError, type BridgeTlsConfig } from "../runtime/config/index.ts";

export function bridgeTlsOptions(tls: BridgeTlsConfig | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  const read = (name: keyof BridgeTlsConfig, file: string | undefined) => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(`bridge.tls.${name}`, "a readable PEM file", `${file} (${(err as Error).message})`);
    }
  };
  return { ca: read("ca", tls.ca), cert: read("cert", tls.cert), key: read("key", tls.key), servername: tls.serverName };
}
