// `mqtt.bridgeFrom`: ledge subscribes to brokers a site already runs and takes their messages
// into its log. Each entry is one MQTT.js client on a persistent session (clean start 0, a
// fixed clientId, `sessionExpirySeconds` on MQTT 5) subscribing at QoS 1; a message is
// acknowledged upstream only once its append is durable, so a ledge crash leaves it un-acked
// and the upstream broker redelivers it on the next connect (at-least-once: a redelivered
// message may be stored twice, never lost).
//
//   mqtt:
//     bridgeFrom:
//       - { url: "mqtt://10.0.0.5:1883", filters: ["sensors/#"], clientId: ledge-site-a,
//           username: ledge, password: secret, protocolVersion: 5, reconnectMs: 2s,
//           inflightCountMax: 1000, upstreamInflightCountMax: 65535, sessionExpirySeconds: 86400 }
//       - { url: "mqtts://broker.site:8883", filters: ["#"], clientId: ledge-site-b,
//           ca: site-ca.pem, cert: ledge.pem, key: ledge.key }     # TLS upstream (PEM files)
//
// Many messages share one commit: MQTT.js moves on at once and each PUBACK waits for its own
// message to be durable (bridge-from-acks.ts). A site broker drops what overflows its queue
// for us, so the window it may send un-acked must cover a burst: MQTT 5 (the default) states
// it as Receive Maximum = `upstreamInflightCountMax`, and it must be stated: Mosquitto 2.0
// applies its own max_inflight_messages (20) to a client that leaves it out. 3.1.1 has no way
// to ask. `inflightCountMax` bounds what ledge holds; past it, TCP holds the rest upstream,
// where they count as in flight, not queued.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { IClientOptions, IPublishPacket, MqttClient } from "mqtt";
import { ConfigError } from "../../runtime/config/errors.ts";
import { ConfigReader } from "../../runtime/config/reader.ts";
import type { Logger } from "../../runtime/logger.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { filterProblem } from "./acl.ts";
import { holdPubacks } from "./bridge-from-acks.ts";
import { bridgeFromLinkMetrics, reasonCodeHex, type BridgeFromLinkMetrics } from "./bridge-from-metrics.ts";

export interface BridgeFromConfig {
  url: string;
  filters: string[];
  clientId: string;
  username?: string;
  password?: string;
  protocolVersion: 4 | 5;
  reconnectMs: number;
  connectTimeoutMs: number;
  /** Messages taken but not yet durable (their PUBACKs held); past it the bridge stops reading. */
  inflightCountMax: number;
  /** MQTT 5: the Receive Maximum sent upstream, i.e. how many PUBLISHes it may have un-acked. */
  upstreamInflightCountMax: number;
  /** MQTT 5: how long the upstream keeps the session (and queues for it) while ledge is away. */
  sessionExpirySeconds: number;
  /** For mqtts:// upstreams: CA to trust (PEM), and a client certificate and key if it asks. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** A message taken from an upstream broker, handed to the broker core's ingest. */
export interface BridgedMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
  /** MQTT 5 user properties, when the upstream speaks MQTT 5. */
  userProperties?: Record<string, string | string[]>;
}

/** Appends the message along the normal routes. Resolves once durable: "stored", or
 * "refused" when it can never be stored (no route, failed payload check) and must be
 * acknowledged anyway so it does not block the upstream session; rejects when storage failed
 * for now (the bridge then reconnects so the upstream redelivers). */
export type IngestBridged = (message: BridgedMessage) => Promise<"stored" | "refused">;

function readEntry(item: unknown, key: string): BridgeFromConfig {
  const r = new ConfigReader(item, key);
  const url = r.string("url", "");
  if (!/^mqtts?:\/\/[^/]+(:\d+)?\/?$/.test(url)) throw new ConfigError(r.key("url"), 'a broker URL like "mqtt://host:1883" or "mqtts://host:8883"', url);
  const filters = r.list("filters", (f, k) => {
    const problem = filterProblem(f);
    if (problem) throw new ConfigError(k, problem, f);
    return f as string;
  });
  if (filters.length === 0) throw new ConfigError(r.key("filters"), "a non-empty list of topic filters to subscribe to", r.raw("filters"));
  const clientId = r.string("clientId", "");
  if (clientId === "") throw new ConfigError(r.key("clientId"), "a fixed client id (the persistent session upstream is keyed by it)", r.raw("clientId"));
  const out: BridgeFromConfig = {
    url,
    filters,
    clientId,
    username: r.optionalString("username"),
    password: r.optionalString("password"),
    protocolVersion: r.integer("protocolVersion", 5, 4, 5) as 4 | 5,
    reconnectMs: r.ms("reconnectMs", 2000, 100, 600_000),
    connectTimeoutMs: r.ms("connectTimeoutMs", 10_000, 100, 600_000),
    inflightCountMax: r.integer("inflightCountMax", 1000, 1, 65_535),
    upstreamInflightCountMax: r.integer("upstreamInflightCountMax", 65_535, 1, 65_535),
    sessionExpirySeconds: r.integer("sessionExpirySeconds", 86_400, 0, 0xffffffff),
    tls: readUpstreamTls(r),
  };
  if (out.tls && !url.startsWith("mqtts:")) throw new ConfigError(r.key("url"), "an mqtts:// URL when ca, cert or key is set", url);
  r.done();
  return out;
}

function readPemFile(r: ConfigReader, name: string): Buffer | undefined {
  const file = r.optionalString(name);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(r.key(name), "a readable PEM file", `${file} (${(err as Error).message})`);
  }
}

function readUpstreamTls(r: ConfigReader): BridgeFromConfig["tls"] {
  const tls = { ca: readPemFile(r, "ca"), cert: readPemFile(r, "cert"), key: readPemFile(r, "key") };
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new ConfigError(r.key(tls.cert ? "key" : "cert"), "set together with the other of cert and key", undefined);
  return tls.ca || tls.cert ? tls : undefined;
}

/** Reads `bridgeFrom` from the `mqtt` config section; rejects duplicate client ids. */
export function readBridgeFromConfig(mqttSection: ConfigReader): BridgeFromConfig[] {
  const entries = mqttSection.list("bridgeFrom", readEntry);
  const ids = new Set<string>();
  entries.forEach((e, i) => {
    const id = `${e.url} ${e.clientId}`;
    if (ids.has(id)) throw new ConfigError(`${mqttSection.key("bridgeFrom")}[${i}].clientId`, "a client id used once per upstream broker", e.clientId);
    ids.add(id);
  });
  return entries;
}

export interface BridgeFrom {
  /** Each entry's counts (also in /metrics under its `link` label), in config order. */
  readonly stats: BridgeFromLinkMetrics[];
  close(): Promise<void>;
}

function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

/** The `link` label: client id and upstream address, never credentials. */
function linkName(config: BridgeFromConfig): string {
  return `${config.clientId}@${new URL(config.url).host}`;
}

function startOne(config: BridgeFromConfig, ingest: IngestBridged, log: Logger, stats: BridgeFromLinkMetrics): MqttClient {
  const v5 = config.protocolVersion === 5;
  const options: IClientOptions = {
    clientId: config.clientId,
    clean: false,
    protocolVersion: config.protocolVersion,
    username: config.username,
    password: config.password,
    reconnectPeriod: config.reconnectMs,
    reconnectOnConnackError: true, // a refusal (credentials, ACL) may be fixed upstream: keep trying
    connectTimeout: config.connectTimeoutMs,
    resubscribe: false, // the session upstream keeps our subscriptions (see 'connect' below)
    properties: v5 ? { sessionExpiryInterval: config.sessionExpirySeconds, receiveMaximum: config.upstreamInflightCountMax } : undefined,
    ...config.tls, // mqtts://: ca, cert, key; the upstream's certificate is always verified
  };
  const where = `${redacted(config.url)} as '${config.clientId}'`;
  let online = false;
  let disconnectReason = "";
  let subackRefusals: number[] = [];
  let client: MqttClient;

  const ingestOne = async (packet: IPublishPacket): Promise<void> => {
    const outcome = await ingest({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      userProperties: packet.properties?.userProperties as BridgedMessage["userProperties"],
    });
    if (outcome === "stored") stats.stored.inc();
    else stats.refused.inc();
  };
  const onFailure = (err: Error, packet: IPublishPacket) => {
    log.error(`bridgeFrom ${where}: could not store a message on '${packet.topic}' (${err.message}); reconnecting so the upstream broker redelivers it`);
    client.stream.destroy(); // its PUBACK is never sent: the message stays un-acked upstream
  };

  client = mqttClientLibrary().connect(config.url, options);
  const acks = holdPubacks(client, config.inflightCountMax, onFailure, stats);
  client.handleMessage = (packet, done) => {
    stats.messagesIn.inc();
    if (packet.dup) stats.redelivered.inc();
    acks.admit(packet, ingestOne(packet), () => done());
  };
  client.on("packetreceive", (packet) => {
    if (packet.cmd === "connack") {
      const rc = (v5 ? packet.reasonCode : packet.returnCode) ?? 0;
      if (rc !== 0) stats.reasonCode("connack", rc);
    } else if (packet.cmd === "suback") {
      stats.subscribes.inc();
      subackRefusals = (packet.granted as unknown[]).filter((code): code is number => typeof code === "number" && code >= 0x80);
      for (const code of subackRefusals) stats.reasonCode("suback", code);
    } else if (packet.cmd === "disconnect") {
      const rc = packet.reasonCode ?? 0;
      stats.reasonCode("disconnect", rc);
      disconnectReason = ` by the upstream (reason ${reasonCodeHex(rc)}${packet.properties?.reasonString ? `: ${packet.properties.reasonString}` : ""})`;
    }
  });
  client.on("connect", (connack) => {
    if (stats.connects.value > 0) stats.reconnects.inc();
    stats.connects.inc();
    online = true;
    const window = v5 ? `receive maximum ${config.upstreamInflightCountMax}` : "MQTT 3.1.1: the upstream's own in-flight window applies";
    log.info(`bridgeFrom ${where}: connected (session ${connack.sessionPresent ? "resumed" : "new"}; ${window})`);
    if (connack.sessionPresent) return; // subscriptions live on in the upstream session
    client.subscribe(config.filters, { qos: 1 }, (err) => {
      // MQTT.js fails the whole SUBSCRIBE when the SUBACK refuses any filter (codes kept above).
      const codes = subackRefusals.map(reasonCodeHex).join(", ");
      if (err) return log.error(`bridgeFrom ${where}: upstream refused the subscription to ${config.filters.join(", ")} (${codes ? `${codes}: ` : ""}${err.message}); check the filters and the upstream broker's ACL for this user`);
      log.info(`bridgeFrom ${where}: subscribed to ${config.filters.join(", ")} at QoS 1`);
    });
  });
  client.on("offline", () => {
    if (online) {
      log.warn(`bridgeFrom ${where}: disconnected${disconnectReason} after ${stats.messagesIn.value} messages in, ${stats.acksSent.value} acked, ` +
        `${stats.inflight.value} waiting for their commit (redelivered by the upstream if not acked); retrying every ${config.reconnectMs} ms`);
    }
    online = false;
    disconnectReason = "";
  });
  client.on("error", (err) => log.warn(`bridgeFrom ${where}: ${err.message}`));
  return client;
}

/** MQTT.js, loaded on first use: ~50 ms of every start (a tenth of it) went to loading a client
 * library that only `mqtt.bridgeFrom` needs. */
function mqttClientLibrary(): typeof import("mqtt") {
  return createRequire(import.meta.url)("mqtt") as typeof import("mqtt");
}

/** Starts one client per `mqtt.bridgeFrom` entry; counts go to `metrics` per link. */
export function startBridgeFrom(configs: BridgeFromConfig[], ingest: IngestBridged, log: Logger, metrics = new Metrics()): BridgeFrom {
  const stats = configs.map((c) => bridgeFromLinkMetrics(metrics, linkName(c)));
  const clients = configs.map((c, i) => startOne(c, ingest, log, stats[i]));
  return {
    stats,
    close: async () => {
      // force: do not wait for in-flight acks; what was not acked is redelivered next time.
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))));
    },
  };
}
