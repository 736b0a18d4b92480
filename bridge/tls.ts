// bridge.tls → Node TLS client options: the PEM files are read at start, so a missing file
// stops ledge with the config key named rather than failing each connection later.
import type { ConnectionOptions } from "node:tls";
import { readPemFile, type BridgeTlsConfig } from "../runtime/config/index.ts";

export function bridgeTlsOptions(tls: BridgeTlsConfig | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  const read = (name: keyof BridgeTlsConfig, file: string | undefined) =>
    file === undefined ? undefined : readPemFile("bridge.tls", name, file);
  return { ca: read("ca", tls.ca), cert: read("cert", tls.cert), key: read("key", tls.key), servername: tls.serverName };
}
