// The MQTT gateway as bin/ starts it: validates `mqtt:` config, opens the broker over the log,
// listens on TCP (or TLS when listeners.mqtt.tls is set), serves MQTT over WebSocket at /mqtt
// on the HTTP port, and starts mqtt.bridgeFrom. Every transport ends in handleConnection.
import { createServer, type Server, type Socket, type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { LedgeConfig } from "../../runtime/config/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import { startBridgeFrom, type BridgeFrom, type IngestBridged } from "./bridge-from.ts";
import { Broker } from "./broker.ts";
import { readMqttConfig, type MqttConfig } from "./config.ts";
import type { MqttLog } from "./log-port.ts";
import { validateTopicName } from "./topics.ts";
import { listenMqttTls, type TransportInfo } from "./transports-tls.ts";
import { ConnectionGate, logAcceptErrors } from "../../runtime/connection-limits.ts";
import { attachMqttWebSocket, type MqttWebSocket, type UpgradeRouter } from "./transports-websocket.ts";

export interface MqttGatewayDeps {
  config: LedgeConfig;
  /** `config.mqtt` already validated (bin/ does so before the log opens); read here when absent. */
  mqttConfig?: MqttConfig;
  log: MqttLog;
  /** The HTTP gateway, for MQTT over WebSocket at /mqtt; omitted = no WebSocket transport. */
  http?: UpgradeRouter;
  logger: Logger;
  metrics: Metrics;
}

export interface MqttGateway {
  /** The MQTT listener's real port (TLS when configured). */
  readonly port: number;
  readonly broker: Broker;
  /** Takes a client on any Duplex stream (used by the TLS and WebSocket transports). */
  handleConnection(stream: Duplex, info?: TransportInfo): void;
  /** Appends a message along the routes (mqtt.bridgeFrom); resolves once durable. */
  ingest: IngestBridged;
  close(): Promise<void>;
}

async function listenTcp(host: string, port: number, handle: (s: Socket) => void, logger: Logger): Promise<Server> {
  const server = createServer({ noDelay: true }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  server.removeAllListeners("error");
  logAcceptErrors(server, "listeners.mqtt", logger);
  return server;
}

export async function startMqttGateway(deps: MqttGatewayDeps): Promise<MqttGateway> {
  const config = deps.mqttConfig ?? readMqttConfig(deps.config.mqtt);
  const logger = deps.logger.child("mqtt");
  if (config.auth.allowAnonymous === false && config.auth.users.length === 0) {
    logger.warn("no mqtt.users are configured and mqtt.allowAnonymous is false, so every MQTT client will be refused: " +
      "add users (passwordHash from `ledge hash-password`) or set mqtt.allowAnonymous: true");
  }
  if (config.auth.allowAnonymous === "loopback") {
    logger.info("MQTT clients on this machine connect without a login; others are refused until mqtt.users has a user " +
      "(passwordHash from `ledge hash-password`) or mqtt.allowAnonymous is true");
  }
  const broker = await Broker.open({ config, log: deps.log, logger, metrics: deps.metrics });
  const handleConnection = (stream: Duplex, info: TransportInfo = {}) =>
    void broker.handleConnection(stream, { tlsPeerCertificate: info.tlsPeerCertificate, remote: info.remoteAddress, remoteIp: info.remoteIp });

  const listener = deps.config.listeners.mqtt;
  // All connections are bounded at CONNECT (mqtt.limits.connectionCountMax); one host's here.
  const gate = new ConnectionGate({ listener: "listeners.mqtt", connectionCountPerAddressMax: listener.connectionCountPerAddressMax, logger });
  let port: number;
  let closeListener: () => Promise<void>;
  if (listener.tls) {
    const tls = await listenMqttTls({ ...listener, tls: listener.tls }, handleConnection, logger, gate);
    port = tls.port;
    closeListener = () => tls.close();
  } else {
    const server = await listenTcp(listener.host, listener.port, (s) => {
      if (gate.admit(s)) handleConnection(s, { remoteAddress: `${s.remoteAddress}:${s.remotePort}`, remoteIp: s.remoteAddress });
    }, logger);
    port = (server.address() as AddressInfo).port;
    closeListener = () => new Promise((resolve) => server.close(() => resolve()));
  }
  const ws: MqttWebSocket | undefined = deps.http
    ? attachMqttWebSocket(deps.http, handleConnection, logger, { messageBytesMax: config.limits.packetBytesMax })
    : undefined;

  const ingest: IngestBridged = async (m) => {
    const problem = validateTopicName(m.topic, config.limits.topicLevelCountMax, config.limits.topicBytesMax);
    if (problem) return "refused";
    const outcome = broker.publish({
      topic: m.topic, payload: m.payload, qos: m.qos, retain: m.retain,
      properties: m.userProperties ? { userProperties: m.userProperties } : undefined,
    });
    if (!outcome.ok) return "refused";
    await outcome.durable;
    return "stored";
  };
  const bridge: BridgeFrom | undefined = config.bridgeFrom.length > 0 ? startBridgeFrom(config.bridgeFrom, ingest, logger, deps.metrics) : undefined;

  return {
    port,
    broker,
    handleConnection,
    ingest,
    async close() {
      await bridge?.close();
      const stopped = closeListener();
      await broker.close();
      await ws?.close();
      await stopped;
    },
  };
}
