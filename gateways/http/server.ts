// The HTTP listener: /healthz, /metrics, the admin API under /api (api.ts, attached by bin/ once
// the parts it reads exist), and WebSocket upgrades other gateways attach through `onUpgrade`
// (today gateways/mqtt's `/mqtt`). With `listeners.http.token` set, /api and /metrics need
// `Authorization: Bearer <token>` (/healthz stays open for health checks). Publish and subscribe
// over WebSocket at /ws is ws-api.ts; the dashboard page at / is dashboard.ts (the page itself
// needs no token; the data it reads does). With `listeners.http.tls` it speaks HTTPS only (and so
// wss:// for WebSocket clients).
import { createServer, type IncomingMessage, type Server, type RequestListener } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { AddressInfo } from "node:net";
import { ConfigError, readTlsFiles, type HttpListenerConfig } from "../../runtime/config/index.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import { sendError, serveApi, type AdminSources } from "./api.ts";
import { ApiError } from "./errors.ts";
import { bearerMatches } from "./token.ts";
import { serveDashboard } from "./dashboard.ts";
import type { Logger } from "../../runtime/logger.ts";
import { ConnectionGate, logAcceptErrors } from "../../runtime/connection-limits.ts";

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface HttpGateway {
  readonly port: number;
  /** Routes WebSocket upgrades for `path` (e.g. "/mqtt", "/ws") to `handler`. */
  onUpgrade(path: string, handler: UpgradeHandler): void;
  /** Starts serving /api from `sources` (until then /api answers 503). */
  attachApi(sources: AdminSources): void;
  close(): Promise<void>;
}

export interface HttpGatewayParts {
  logger: Logger;
  /** Why ledge is degraded ("storage full: ..."), or null when healthy: /healthz answers 503 then. */
  degraded?: () => string | null;
}

export async function startHttpGateway(config: HttpListenerConfig, metrics: Metrics, parts: HttpGatewayParts): Promise<HttpGateway> {
  const upgrades = new Map<string, UpgradeHandler>();
  let api: AdminSources | null = null;
  const logger = parts.logger.child("http");
  const respond: RequestListener = (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const guarded = path === "/metrics" || path === "/api" || path.startsWith("/api/");
    if (guarded && config.token !== undefined && !bearerMatches(req.headers.authorization, config.token)) {
      res.setHeader("www-authenticate", "Bearer");
      return sendError(res, new ApiError("LEDGE_ERR_API_UNAUTHORIZED", "this path needs the header Authorization: Bearer <listeners.http.token>"));
    }
    if (path === "/api" || path.startsWith("/api/")) {
      if (!api) return void res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end('{"error":{"code":"starting","message":"ledge is starting"}}\n');
      return serveApi(api, req, res, path);
    }
    if (req.url === "/healthz") {
      const degraded = parts.degraded?.() ?? null;
      if (degraded !== null) res.writeHead(503, { "content-type": "text/plain" }).end(`degraded: ${degraded}\n`);
      else res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (req.url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(metrics.toPrometheus());
      return;
    }
    if (serveDashboard(req, res, path)) return;
    res.writeHead(404, { "content-type": "text/plain" }).end(`no route for ${req.method} ${req.url}\n`);
  };
  const server = listenerServer(config, respond);
  new ConnectionGate({
    listener: "listeners.http", connectionCountMax: config.connectionCountMax,
    connectionCountPerAddressMax: config.connectionCountPerAddressMax, logger,
  }).guard(server);
  server.on("upgrade", (req, socket, head) => {
    const path = (req.url ?? "/").split("?")[0];
    const handler = upgrades.get(path);
    if (handler) return handler(req, socket, head);
    socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.removeAllListeners("error");
  logAcceptErrors(server, "listeners.http", logger);
  return {
    port: (server.address() as AddressInfo).port,
    onUpgrade: (path, handler) => void upgrades.set(path, handler),
    attachApi: (sources) => void (api = sources),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function listenerServer(config: HttpListenerConfig, respond: RequestListener): Server | HttpsServer {
  if (!config.tls) return createServer(respond);
  if (config.tls.ca !== undefined) {
    throw new ConfigError("listeners.http.tls.ca", "absent: the HTTP listener asks for no client certificates (use listeners.http.token)", config.tls.ca);
  }
  const { cert, key } = readTlsFiles(config.tls, "listeners.http.tls");
  return createHttpsServer({ cert, key }, respond);
}

