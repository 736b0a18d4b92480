// MQTT over TLS. When `listeners.mqtt.tls` names a cert and key, the MQTT port speaks TLS
// (one port, no plain listener beside it: a gateway that asked for TLS should not also accept
// clear text by default). With `tls.ca` the server asks for client certificates; a certificate
// that verifies against that CA becomes the identity (its CN, see auth.ts), and a client
// without one (or with one that does not verify) still connects with username/password.
import { createServer, type Server, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { readTlsFiles, type ListenerConfig, type TlsConfig } from "../../runtime/config/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import { logAcceptErrors, type ConnectionGate } from "../../runtime/connection-limits.ts";

/** What the broker core learns about a connection from its transport. */
export interface TransportInfo {
  /** Present only when the client's certificate chain verified against `tls.ca`. */
  tlsPeerCertificate?: { subject?: { CN?: string | string[] } };
  remoteAddress?: string;
  /** The peer's IP address alone. */
  remoteIp?: string;
}

/** The broker core's entry point for any transport (TCP, TLS, WebSocket). */
export type ConnectionHandler = (stream: Duplex, info: TransportInfo) => void;

export interface MqttTlsListener {
  readonly port: number;
  close(): Promise<void>;
}

const handshakeTimeoutMs = 10_000;
const handshakeFailureLogIntervalMs = 10_000;

/** A TLS server handing each verified-or-not connection to `handle`; not yet listening. */
export function createMqttTlsServer(tls: TlsConfig, handle: ConnectionHandler, log: Logger, keyPath = "listeners.mqtt.tls"): Server {
  const { cert, key, ca } = readTlsFiles(tls, keyPath);
  const server: Server = createServer({
    cert,
    key,
    ca,
    requestCert: ca !== undefined,
    rejectUnauthorized: false, // a client without a certificate may still log in with a password
    handshakeTimeout: handshakeTimeoutMs,
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const info: TransportInfo = { remoteAddress: socket.remoteAddress, remoteIp: socket.remoteAddress };
    if (ca !== undefined && socket.authorized) {
      const cert = socket.getPeerCertificate();
      if (cert && cert.subject) info.tlsPeerCertificate = { subject: { CN: cert.subject.CN } };
    }
    handle(socket, info);
  });
  // One line per failed handshake would let a port scanner flood the log: at most one line
  // per interval, saying how many were left out.
  let lastLineMs = -Infinity;
  let unlogged = 0;
  server.on("tlsClientError", (err, socket) => {
    const now = Date.now();
    if (now - lastLineMs < handshakeFailureLogIntervalMs) return void unlogged++;
    const more = unlogged > 0 ? ` (and ${unlogged} more since the last line)` : "";
    lastLineMs = now;
    unlogged = 0;
    log.warn(`TLS handshake with ${socket.remoteAddress ?? "a client"} failed: ${err.message}${more}; check the client's CA and protocol settings`);
  });
  return server;
}

/** Listens for MQTT over TLS on `config.port` (0 = any free port). */
export async function listenMqttTls(config: ListenerConfig & { tls: TlsConfig }, handle: ConnectionHandler, log: Logger, gate?: ConnectionGate): Promise<MqttTlsListener> {
  const server = createMqttTlsServer(config.tls, handle, log);
  gate?.guard(server);
  const sockets = new Set<Duplex>();
  server.on("secureConnection", (s: TLSSocket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.removeAllListeners("error");
  logAcceptErrors(server, "listeners.mqtt", log);
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
