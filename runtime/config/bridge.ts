// The `bridge:` section (replication upstream), validated with defaults.
import { hostname } from "node:os";
import { ConfigReader } from "./reader.ts";
import { ConfigError } from "./errors.ts";
import type { CompressionName } from "../core/types.ts";

const MiB = 2 ** 20;
const topicNamePattern = /^[a-zA-Z0-9._-]{1,249}$/;
const brokerPattern = /^(\[[0-9a-fA-F:.]+\]|[^\s:,[\]]+):(\d{1,5})$/;

export interface BridgeTopicRule {
  /** Local topic. */
  from: string;
  /** Upstream topic (default: the prefix + from). */
  to: string;
  /** Higher drains first; ties by name. */
  priority: number;
}

export interface BridgeTlsConfig {
  /** PEM CA bundle to verify the upstream with (default: the system's). */
  ca?: string;
  cert?: string;
  key?: string;
  /** Server name to verify (default: the broker's host). */
  serverName?: string;
}

/** SASL mechanisms the bridge speaks as a client (as Kafka names them). */
export const bridgeSaslMechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;
export type BridgeSaslMechanism = (typeof bridgeSaslMechanisms)[number];

export interface BridgeSaslConfig {
  mechanism: BridgeSaslMechanism;
  username: string;
  /** Exactly one of password and passwordFile (read at start; one trailing newline dropped). */
  password?: string;
  passwordFile?: string;
}

export interface BridgeConfig {
  brokers: string[];
  clientId: string;
  /** Part of every upstream identity: transactional.id and cursor keys. */
  edgeId: string;
  /** null: every local topic but internal ones (names starting with "__"). */
  topics: BridgeTopicRule[] | null;
  /** Prepended to upstream names of topics without an explicit `to`. */
  prefix: string;
  /** preserve: the same partition number upstream; key: Kafka's partitioner over each record's key. */
  partitioning: "preserve" | "key";
  /** keep: batches go as stored; a codec: recompressed for it (runtime/core's recompressBatch). */
  compression: "keep" | CompressionName;
  /** exactly-once: upstream transactions and cursors; idempotent: an idempotent producer and local cursors. */
  delivery: "exactly-once" | "idempotent";
  /** 0 = no cap. */
  rateLimitBytesPerS: number;
  transactionBytesMax: number;
  transactionMsMax: number;
  /** How long a transaction that has caught up stays open for more data (Kafka's linger.ms, for transactions). */
  lingerMs: number;
  memoryBytesMax: number;
  createTopics: boolean;
  tls?: BridgeTlsConfig;
  /** SASL on every upstream connection, after ApiVersions. */
  sasl?: BridgeSaslConfig;
  /** An upstream transaction open longer is aborted by the coordinator (Kafka's transaction.timeout.ms). */
  transactionTimeoutMs: number;
  requestTimeoutMs: number;
  backoffMsMin: number;
  backoffMsMax: number;
}

/** Defaults with `brokers` (what `ledge start --upstream` turns on). */
export function bridgeDefaults(brokers: string[]): BridgeConfig {
  return readBridgeConfig({ brokers }, "bridge");
}

function topicRule(item: unknown, key: string): BridgeTopicRule {
  const r = new ConfigReader(item, key);
  const from = r.string("from", "");
  if (!topicNamePattern.test(from)) throw new ConfigError(r.key("from"), "a local topic name", r.raw("from"));
  const to = r.string("to", "");
  if (to !== "" && !topicNamePattern.test(to)) throw new ConfigError(r.key("to"), "an upstream topic name: 1 to 249 of [a-zA-Z0-9._-]", to);
  const priority = r.integer("priority", 0, -1000, 1000);
  r.done();
  return { from, to, priority };
}

export function readBridgeConfig(doc: unknown, path: string): BridgeConfig {
  const r = new ConfigReader(doc, path);
  const brokers = r.raw("brokers");
  const list = typeof brokers === "string" ? brokers.split(",").map((b) => b.trim()).filter(Boolean) : brokers;
  if (!Array.isArray(list) || list.length === 0 || !list.every((b) => typeof b === "string" && brokerPattern.test(b) && Number(brokerPattern.exec(b)![2]) <= 65535 && Number(brokerPattern.exec(b)![2]) > 0)) {
    throw new ConfigError(r.key("brokers"), "a list of upstream bootstrap addresses HOST:PORT", brokers);
  }
  const topicsRaw = r.raw("topics");
  let topics: BridgeTopicRule[] | null = null;
  let prefix = r.string("prefix", "");
  if (topicsRaw === "all" || topicsRaw === undefined || topicsRaw === null) topics = null;
  else if (Array.isArray(topicsRaw)) topics = topicsRaw.map((t, i) => topicRule(t, `${r.key("topics")}[${i}]`));
  else if (typeof topicsRaw === "object" && Object.keys(topicsRaw).every((k) => k === "prefix")) {
    prefix = new ConfigReader(topicsRaw, r.key("topics")).string("prefix", "");
  } else {
    throw new ConfigError(r.key("topics"), "all, { prefix: PREFIX }, or a list of { from, to, priority }", topicsRaw);
  }
  if (prefix !== "" && !/^[a-zA-Z0-9._-]{1,200}$/.test(prefix)) throw new ConfigError(r.key("prefix"), "a topic-name prefix of [a-zA-Z0-9._-]", prefix);
  if (topics) for (const t of topics) if (t.to === "") t.to = prefix + t.from;
  const partitioning = r.oneOf("partitioning", ["preserve", "key"] as const, "preserve");
  const compression = r.oneOf("compression", ["keep", "none", "gzip", "snappy", "lz4", "zstd"] as const, "keep");
  const delivery = r.oneOf("delivery", ["exactly-once", "idempotent"] as const, "exactly-once");
  // Idempotent delivery resends a stored batch as the same upstream batches after a crash; cut by
  // key over a partition count that may change meanwhile, that is not guaranteed.
  if (partitioning === "key" && delivery !== "exactly-once") throw new ConfigError(r.key("partitioning"), "preserve with delivery: idempotent (partitioning: key needs delivery: exactly-once)", partitioning);
  const out: BridgeConfig = {
    brokers: list as string[],
    clientId: r.string("clientId", "ledge-bridge"),
    edgeId: r.string("edgeId", hostname()),
    topics,
    prefix,
    partitioning,
    compression,
    delivery,
    rateLimitBytesPerS: r.bytes("rateLimitBytesPerS", 0, 0),
    transactionBytesMax: r.bytes("transactionBytesMax", 4 * MiB, 1024, 2 ** 31 - 1),
    transactionMsMax: r.ms("transactionMsMax", 1000, 1, 600_000),
    lingerMs: r.ms("lingerMs", 100, 0, 600_000),
    memoryBytesMax: r.bytes("memoryBytesMax", 16 * MiB, 64 * 1024, 2 ** 31 - 1),
    createTopics: r.boolean("createTopics", true),
    tls: tlsSection(r),
    sasl: saslSection(r),
    transactionTimeoutMs: r.ms("transactionTimeoutMs", 60_000, 1000, 900_000),
    requestTimeoutMs: r.ms("requestTimeoutMs", 30_000, 100, 600_000),
    backoffMsMin: r.ms("backoffMsMin", 100, 1, 60_000),
    backoffMsMax: r.ms("backoffMsMax", 10_000, 1, 600_000),
  };
  if (!/^[a-zA-Z0-9._-]{1,200}$/.test(out.edgeId)) throw new ConfigError(r.key("edgeId"), "1 to 200 of [a-zA-Z0-9._-] (it becomes part of upstream ids and keys)", out.edgeId);
  if (out.backoffMsMin > out.backoffMsMax) throw new ConfigError(r.key("backoffMsMin"), `at most bridge.backoffMsMax (${out.backoffMsMax} ms)`, out.backoffMsMin);
  if (out.transactionMsMax >= out.transactionTimeoutMs) throw new ConfigError(r.key("transactionMsMax"), `less than bridge.transactionTimeoutMs (${out.transactionTimeoutMs} ms)`, out.transactionMsMax);
  r.done();
  return out;
}

function tlsSection(r: ConfigReader): BridgeTlsConfig | undefined {
  if (!r.has("tls")) return (r.raw("tls"), undefined);
  if (r.raw("tls") === true) return {};
  const t = r.section("tls");
  const out: BridgeTlsConfig = { ca: t.optionalString("ca"), cert: t.optionalString("cert"), key: t.optionalString("key"), serverName: t.optionalString("serverName") };
  if ((out.cert === undefined) !== (out.key === undefined)) throw new ConfigError(t.path, "cert and key together (a client certificate), or neither", r.raw("tls"));
  t.done();
  return out;
}

function saslSection(r: ConfigReader): BridgeSaslConfig | undefined {
  if (!r.has("sasl")) return (r.raw("sasl"), undefined);
  const s = r.section("sasl");
  if (!s.has("mechanism")) throw new ConfigError(s.key("mechanism"), `one of ${bridgeSaslMechanisms.join(" | ")}`, undefined);
  const mechanism = s.oneOf("mechanism", bridgeSaslMechanisms, "PLAIN");
  const username = s.string("username", "");
  if (username === "") throw new ConfigError(s.key("username"), "the upstream user name", undefined);
  const password = s.raw("password");
  if (password !== undefined && (typeof password !== "string" || password === "")) throw new ConfigError(s.key("password"), "a non-empty string", "(hidden)");
  const passwordFile = s.optionalString("passwordFile");
  if ((password === undefined) === (passwordFile === undefined)) {
    throw new ConfigError(s.path, "password or passwordFile (one of them)", password === undefined ? "neither" : "both");
  }
  s.done();
  return { mechanism, username, password: password as string | undefined, passwordFile };
}
