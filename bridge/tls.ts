// bridge.tls → Node TLS client options: the PEM files are read at start, so a missing file
// stops ledge with the config key named rather than failing each connection later. And what a
// failed handshake means for those keys, for the log line.
import type { ConnectionOptions } from "node:tls";
import { readPemFile, type BridgeTlsConfig } from "../runtime/config/index.ts";

export function bridgeTlsOptions(tls: BridgeTlsConfig | undefined): ConnectionOptions | undefined {
  if (!tls) return undefined;
  const read = (name: keyof BridgeTlsConfig, file: string | undefined) =>
    file === undefined ? undefined : readPemFile("bridge.tls", name, file);
  return { ca: read("ca", tls.ca), cert: read("cert", tls.cert), key: read("key", tls.key), servername: tls.serverName };
}

/** OpenSSL's verification failures (Node's err.code): the upstream's certificate is not one
 * bridge.tls.ca vouches for. */
const untrusted = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_SIGNATURE_FAILURE", "CERT_UNTRUSTED"]);
const expired = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

/** What to change after a TLS connection to an upstream broker failed with `err` ("" if no idea). */
export function tlsFailureHint(err: Error & { code?: string }): string {
  const code = err.code ?? "";
  if (untrusted.has(code)) return "the upstream's certificate is not signed by a CA bridge.tls trusts: set bridge.tls.ca to the CA that signed it (the system CAs when unset)";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "the upstream's certificate does not name this host: set bridge.tls.serverName to a name it holds, or use that name in bridge.brokers";
  if (expired.has(code)) return "the upstream's certificate is outside its validity dates: renew it upstream (or check this edge's clock)";
  if (/wrong version number|unknown protocol|packet length too long|disconnected before secure TLS/i.test(err.message)) return "the broker does not speak TLS on that port: remove bridge.tls, or point bridge.brokers at its TLS listener";
  return "";
}
