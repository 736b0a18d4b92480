// `mqtt:` in the config file: anonymous access, routes from MQTT topics to log topics, and the
// bounds on everything a client can make the broker hold. Auth users/ACLs and bridgeFrom are
// read by their own modules (auth.ts, bridge-from.ts) through the same reader.
import { ConfigError } from "../../runtime/config/index.ts";
import { ConfigReader } from "../../runtime/config/reader.ts";
import { topicNameProblem, topicNameRule } from "../../runtime/kafka/topic-name.ts";
import { validateFilter } from "./topics.ts";
import { readAuthConfig, type MqttAuthConfig } from "./auth.ts";
import { readBridgeFromConfig, type BridgeFromConfig } from "./bridge-from.ts";

export type PayloadCheck = "json" | "msgpack";

export interface MqttRoute {
  filter: string;
  /** Log topic the matching messages are appended to. */
  topic: string;
  /** Index of the topic level used as record key; undefined = the whole MQTT topic. */
  keyLevel?: number;
  check?: PayloadCheck;
}

export interface MqttLimits {
  connectionCountMax: number;
  packetBytesMax: number;
  /** Our receive maximum: QoS 1/2 publishes a client may have unacknowledged towards us. */
  inflightCountMax: number;
  /** Outgoing QoS 1/2 messages queued per session that do not come from its log cursors:
   * retained messages sent on SUBSCRIBE and shared-subscription deliveries. */
  queuedCountMax: number;
  /** A session further behind the log's end than this many bytes (estimated from the
   * partition's average record size) skips ahead, counting what it skips; 0 = no limit. */
  sessionLagBytesMax: number;
  /** A session skips records older than this when it reads them, counting them; 0 = no limit. */
  sessionLagMsMax: number;
  publishCountPerSecondMax: number;
  topicLevelCountMax: number;
  topicBytesMax: number;
  keepAliveSecondsMax: number;
  sessionExpirySecondsMax: number;
  /** Sessions held, online and offline persistent ones together. */
  sessionCountMax: number;
  subscriptionCountPerClientMax: number;
  topicAliasCountMax: number;
  retainedCountMax: number;
  connectTimeoutMs: number;
  /** Messages gathered into one batch per (log topic, partition) per event-loop turn. */
  batchCountMax: number;
  batchBytesMax: number;
  /** Messages accepted and not yet durable, over all connections; past it, reading pauses. */
  ingestPendingCountMax: number;
  /** Bytes of outgoing data buffered on a socket before deliveries to it wait. */
  writeBufferBytesMax: number;
}

export interface MqttConfig {
  /** allowAnonymous and users, read by auth.ts. */
  auth: MqttAuthConfig;
  routes: MqttRoute[];
  limits: MqttLimits;
  /** Upstream brokers to subscribe to (bridge-from.ts). */
  bridgeFrom: BridgeFromConfig[];
}

export const defaultRouteTopic = "mqtt-messages";

function route(item: unknown, key: string): MqttRoute {
  const r = new ConfigReader(item, key);
  const filter = r.string("filter", "");
  const problem = validateFilter(filter, 64, 65535);
  if (problem || filter.startsWith("$share/")) {
    throw new ConfigError(r.key("filter"), "an MQTT topic filter (levels split by /, + and # as whole levels)", filter);
  }
  const topic = r.string("topic", "");
  // The log refuses what Kafka refuses; checking here stops start-up instead of the first publish.
  if (topicNameProblem(topic)) throw new ConfigError(r.key("topic"), `a log topic name (${topicNameRule})`, topic);
  const keyText = r.optionalString("key");
  let keyLevel: number | undefined;
  if (keyText !== undefined) {
    const m = /^\{(\d{1,3})\}$/.exec(keyText);
    if (!m) throw new ConfigError(r.key("key"), 'a topic level like "{1}" (levels counted from 0), or omitted for the whole topic', keyText);
    keyLevel = Number(m[1]);
  }
  const check = r.has("check") ? r.oneOf("check", ["json", "msgpack"] as const, "json") : (r.raw("check"), undefined);
  r.done();
  return { filter, topic, keyLevel, check };
}

function limits(r: ConfigReader): MqttLimits {
  const out: MqttLimits = {
    connectionCountMax: r.integer("connectionCountMax", 10_000, 1, 1_000_000),
    packetBytesMax: r.bytes("packetBytesMax", 1024 * 1024, 64, 268_435_455),
    inflightCountMax: r.integer("inflightCountMax", 100, 1, 65_535),
    queuedCountMax: r.integer("queuedCountMax", 1000, 1, 10_000_000),
    sessionLagBytesMax: r.bytes("sessionLagBytesMax", 0, 0, Number.MAX_SAFE_INTEGER),
    sessionLagMsMax: r.ms("sessionLagMsMax", 0, 0, Number.MAX_SAFE_INTEGER),
    publishCountPerSecondMax: r.integer("publishCountPerSecondMax", 100_000, 1, 100_000_000),
    topicLevelCountMax: r.integer("topicLevelCountMax", 32, 1, 1024),
    topicBytesMax: r.bytes("topicBytesMax", 1024, 16, 65_535),
    keepAliveSecondsMax: r.integer("keepAliveSecondsMax", 3600, 1, 65_535),
    sessionExpirySecondsMax: r.integer("sessionExpirySecondsMax", 7 * 24 * 3600, 0, 0xffffffff),
    sessionCountMax: r.integer("sessionCountMax", 100_000, 1, 10_000_000),
    subscriptionCountPerClientMax: r.integer("subscriptionCountPerClientMax", 100, 1, 100_000),
    topicAliasCountMax: r.integer("topicAliasCountMax", 64, 0, 65_535),
    retainedCountMax: r.integer("retainedCountMax", 100_000, 0, 100_000_000),
    connectTimeoutMs: r.ms("connectTimeoutMs", 10_000, 100, 600_000),
    batchCountMax: r.integer("batchCountMax", 1000, 1, 100_000),
    batchBytesMax: r.bytes("batchBytesMax", 1024 * 1024, 1024, 64 * 1024 * 1024),
    ingestPendingCountMax: r.integer("ingestPendingCountMax", 4000, 1, 10_000_000),
    writeBufferBytesMax: r.bytes("writeBufferBytesMax", 1024 * 1024, 16 * 1024, 256 * 1024 * 1024),
  };
  r.done();
  return out;
}

/** Validates `config.mqtt`; throws ConfigError naming the key and the expected form. */
export function readMqttConfig(raw: unknown, path = "mqtt"): MqttConfig {
  const r = new ConfigReader(raw, path);
  const config: MqttConfig = {
    auth: readAuthConfig(r),
    routes: r.list("routes", route),
    limits: limits(r.section("limits")),
    bridgeFrom: readBridgeFromConfig(r),
  };
  r.done();
  return config;
}
