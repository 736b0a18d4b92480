// `mqtt.bridgeFrom`: ledge subscribes to brokers a site already runs and takes their messages
// into its log. Each entry is one MQTT.js client on a persistent session (clean: false, a
// fixed clientId) subscribing at QoS 1; a message is acknowledged upstream only once its append
// is durable, so a ledge crash leaves it un-acked and the upstream broker redelivers it on
// the next connect (at-least-once: a redelivered message may be stored twice, never lost).
//
//   mqtt:
//     bridgeFrom:
//       - { url: "mqtt://10.0.0.5:1883", filters: ["sensors/#"], clientId: ledge-site-a,
//           username: ledge, password: secret, protocolVersion: 4, reconnectMs: 2s,
//           inflightCountMax: 100 }
//       - { url: "mqtts://broker.site:8883", filters: ["#"], clientId: ledge-site-b,
//           ca: site-ca.pem, cert: ledge.pem, key: ledge.key }     # TLS upstream (PEM files)
//
// Many messages share one commit: MQTT.js moves on at once and each PUBACK waits for its own
// message to be durable (bridge-from-acks.ts). The upstream broker's inflight window and
// `inflightCountMax` bound what waits; past that, TCP backpressure holds the rest upstream.
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from "mqtt";
import { ConfigError } from "../../runtime/config/errors.ts";
import { ConfigReader } from "../../runtime/config/reader.ts";
import type { Logger } from "../../runtime/logger.ts";
import { filterProblem } from "./acl.ts";
import { holdPubacks } from "./bridge-from-acks.ts";

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
    protocolVersion: r.integer("protocolVersion", 4, 4, 5) as 4 | 5,
    reconnectMs: r.ms("reconnectMs", 2000, 100, 600_000),
    connectTimeoutMs: r.ms("connectTimeoutMs", 10_000, 100, 600_000),
    inflightCountMax: r.integer("inflightCountMax", 100, 1, 65_535),
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
  /** Messages stored and refused, connects made and SUBACKs received, per entry in config order. */
  readonly stats: { stored: number; refused: number; connects: number; subscribes: number }[];
  close(): Promise<void>;
}

function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

function startOne(config: BridgeFromConfig, ingest: IngestBridged, log: Logger, stats: BridgeFrom["stats"][number]): MqttClient {
  const options: IClientOptions = {
    clientId: config.clientId,
    clean: false,
    protocolVersion: config.protocolVersion,
    username: config.username,
    password: config.password,
    reconnectPeriod: config.reconnectMs,
    connectTimeout: config.connectTimeoutMs,
    resubscribe: false, // the session upstream keeps our subscriptions (see 'connect' below)
    properties: config.protocolVersion === 5 ? { sessionExpiryInterval: 0xffffffff } : undefined,
    ...config.tls, // mqtts://: ca, cert, key; the upstream's certificate is always verified
  };
  const where = `${redacted(config.url)} as '${config.clientId}'`;
  let online = false;
  let client: MqttClient;

  const ingestOne = async (packet: IPublishPacket): Promise<void> => {
    const outcome = await ingest({
      topic: packet.topic,
      payload: Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
      qos: packet.qos,
      retain: packet.retain,
      userProperties: packet.properties?.userProperties as BridgedMessage["userProperties"],
    });
    if (outcome === "stored") stats.stored++;
    else stats.refused++;
  };
  const onFailure = (err: Error, packet: IPublishPacket) => {
    log.error(`bridgeFrom ${where}: could not store a message on '${packet.topic}' (${err.message}); reconnecting so the upstream broker redelivers it`);
    client.stream.destroy(); // its PUBACK is never sent: the message stays un-acked upstream
  };

  client = mqtt.connect(config.url, options);
  const acks = holdPubacks(client, config.inflightCountMax, onFailure);
  client.handleMessage = (packet, done) => acks.admit(packet, ingestOne(packet), () => done());
  client.on("connect", (connack) => {
    stats.connects++;
    online = true;
    log.info(`bridgeFrom ${where}: connected (session ${connack.sessionPresent ? "resumed" : "new"})`);
    if (connack.sessionPresent) return; // subscriptions live on in the upstream session
    client.subscribe(config.filters, { qos: 1 }, (err, granted) => {
      if (err) return log.error(`bridgeFrom ${where}: subscribe failed (${err.message}); check the filters and the upstream ACL`);
      stats.subscribes++;
      log.info(`bridgeFrom ${where}: subscribed to ${config.filters.join(", ")} at QoS 1`);
      const refused = (granted ?? []).filter((g) => g.qos >= 0x80).map((g) => g.topic);
      if (refused.length) log.error(`bridgeFrom ${where}: upstream refused ${refused.join(", ")}; check the upstream broker's ACL for this user`);
    });
  });
  client.on("offline", () => {
    if (online) log.warn(`bridgeFrom ${where}: disconnected; retrying every ${config.reconnectMs} ms`);
    online = false;
  });
  client.on("error", (err) => log.warn(`bridgeFrom ${where}: ${err.message}`));
  return client;
}

/** Starts one client per `mqtt.bridgeFrom` entry. */
export function startBridgeFrom(configs: BridgeFromConfig[], ingest: IngestBridged, log: Logger): BridgeFrom {
  const stats = configs.map(() => ({ stored: 0, refused: 0, connects: 0, subscribes: 0 }));
  const clients = configs.map((c, i) => startOne(c, ingest, log, stats[i]));
  return {
    stats,
    close: async () => {
      // force: do not wait for in-flight acks; what was not acked is redelivered next time.
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => c.end(true, {}, () => resolve()))));
    },
  };
}
