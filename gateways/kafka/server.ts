// The Kafka-protocol listener: TCP, or TLS when `listeners.kafka.tls` is set.
import { createServer, type Server, type Socket, type AddressInfo } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { readTlsFiles, type LedgeConfig } from "../../runtime/config/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import { RequestCounts } from "./request-counts.ts";
import type { KafkaLogPort } from "./log-port.ts";
import type { GatewayParts } from "./context.ts";
import { KafkaConnection } from "./connection.ts";
import { BufferPool } from "../../runtime/core/buffer-pool.ts";
import { readSaslSettings, type SaslSettings } from "./sasl/config.ts";
import { AutoCreateBudget } from "./auto-create.ts";
import type { GroupCoordinator } from "../../runtime/groups/coordinator.ts";
import type { TransactionCoordinator } from "../../runtime/transactions/coordinator.ts";
import { ConnectionGate, logAcceptErrors } from "../../runtime/connection-limits.ts";
import { throttleLogger, type ThrottleOptions } from "../../runtime/log-throttle.ts";

/** Produce frame buffers kept for reuse across this listener's connections: a few producers' worth
 * of ~1 MB batches in flight. */
const frameBufferFreeBytesMax = 16 * 2 ** 20;

export interface KafkaGatewayOptions {
  config: LedgeConfig;
  /** `listeners.kafka.sasl` already validated (bin/ does so before the log opens; undefined =
   * SASL off); read from the config when the key is absent. */
  sasl?: SaslSettings;
  log: KafkaLogPort;
  logger: Logger;
  metrics: Metrics;
  /** The consumer-group coordinator (owned and closed by the caller); without it the group APIs answer COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupCoordinator;
  transactions?: TransactionCoordinator;
  /** How per-client log lines are rate-limited (default: 20 lines per 10 s at every level). */
  logThrottle?: ThrottleOptions;
  /** The cluster id Metadata names: the data directory's (cluster-id.ts). */
  clusterId?: string;
}

export interface KafkaGateway {
  readonly port: number;
  close(): Promise<void>;
}

function tlsOptions(config: LedgeConfig) {
  return readTlsFiles(config.listeners.kafka.tls!, "listeners.kafka.tls");
}

export async function startKafkaGateway(options: KafkaGatewayOptions): Promise<KafkaGateway> {
  const listener = options.config.listeners.kafka;
  // Per-client lines at every level are rate-limited: a flood of clients must not flood the log.
  const logger = throttleLogger(options.logger.child("kafka"), { levels: ["info", "warn", "error"], countedIn: "the ledge_kafka_* metrics", ...options.logThrottle });
  const connections = new Set<KafkaConnection>();
  let nextId = 1;
  let boundPort = 0;
  const reused = options.metrics.counter("ledge_kafka_frame_buffers_reused_total", "Large Kafka request frames read into a reused buffer instead of a new one");
  const fetchReused = options.metrics.counter("ledge_kafka_fetch_buffers_reused_total", "Fetch responses read from the log into a reused buffer instead of new ones");
  const parts: GatewayParts = { config: options.config, listener, log: options.log, logger, metrics: options.metrics, port: () => boundPort, clusterId: options.clusterId, groups: options.groups, transactions: options.transactions, sasl: "sasl" in options ? options.sasl : readSaslSettings(listener.sasl),
    autoCreate: new AutoCreateBudget(options.config.log.autoCreateTopicCountPerMinuteMax),
    frameBuffers: new BufferPool(frameBufferFreeBytesMax, () => reused.inc()),
    fetchBuffers: new BufferPool(frameBufferFreeBytesMax, () => fetchReused.inc()),
    requestCounts: new RequestCounts(options.metrics) };
  const connectionsOpen = options.metrics.gauge("ledge_kafka_connections", "Open Kafka-protocol client connections");

  const gate = new ConnectionGate({
    listener: "listeners.kafka", connectionCountMax: listener.connectionCountMax,
    connectionCountPerAddressMax: listener.connectionCountPerAddressMax, logger,
  });
  const onSocket = (socket: Socket) => {
    if (!gate.admit(socket)) return;
    const c = new KafkaConnection(socket, nextId++, parts, {
      maxRequestBytes: listener.maxRequestBytes, inflightCountMax: listener.inflightCountMax, connectionIdleMsMax: listener.connectionIdleMsMax,
      handshakeMsMax: listener.handshakeMsMax, requestReadMsMax: listener.requestReadMsMax,
    });
    connections.add(c);
    connectionsOpen.set(connections.size);
    socket.once("close", () => {
      connections.delete(c);
      connectionsOpen.set(connections.size);
    });
  };
  const server: Server = listener.tls
    ? createTlsServer(tlsOptions(options.config), onSocket)
    : createServer(onSocket);
  server.on("tlsClientError", (err: Error, socket: Socket) => {
    logger.warn(`TLS handshake from ${socket.remoteAddress} failed: ${err.message}; check the client's CA and protocol`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listener.port, listener.host, () => resolve());
  });
  server.removeAllListeners("error");
  logAcceptErrors(server, "listeners.kafka", logger);
  boundPort = (server.address() as AddressInfo).port;
  return {
    port: boundPort,
    close: () => new Promise<void>((resolve) => {
      for (const c of connections) c.close("ledge is shutting down");
      server.close(() => resolve());
    }),
  };
}
