// The config's shape and defaults (DESIGN.md "Configuration"). Every key is optional.
// Code names carry their unit; YAML values may carry units ("10s", "8GiB").
import { ConfigReader } from "./reader.ts";
import { ConfigError } from "./errors.ts";
import { renameDeprecatedKeys } from "./deprecated-keys.ts";
import { topicNameProblem, topicNameRule } from "../kafka/topic-name.ts";
import { readBridgeConfig, type BridgeConfig } from "./bridge.ts";
import { readPipelinesConfig, type PipelineConfig } from "./pipelines.ts";

export type SyncMode = "always" | "interval";
export type OverflowPolicy = "drop-oldest" | "reject";

export interface StorageConfig {
  sync: SyncMode;
  /** With sync: interval, at most one fsync per this many ms; once an acknowledged append has
   * stayed unsynced this long, new commits wait for its fsync (runtime/log/durability.ts). */
  syncIntervalMs: number;
  /** Cap on the data directory; past it `overflow` decides. */
  maxBytes: number;
  overflow: OverflowPolicy;
  /** How long a commit window stays open to gather more writers (0 = next event-loop turn). */
  commitDelayMs: number;
  /**
   * Log transactions issued to LMDB at once. 1: the next is issued when the running one has
   * committed and synced. 2: also while it commits, so LMDB's writer is never idle, at the price
   * of about twice the commits for the same data (see commit-queue.ts).
   */
  commitInflightCountMax: number;
  /** Bytes of appends waiting for a transaction; past it, appenders wait for room (backpressure). */
  appendQueueBytesMax: number;
  /** Append bytes one LMDB transaction takes; the rest go in the next (one larger batch goes alone). */
  transactionBytesMax: number;
}

export interface TopicConfig {
  name: string;
  partitions: number;
  /** Kafka's topic config names, as given (validated by runtime/log). */
  config: Record<string, string | number>;
}

export interface TlsConfig {
  cert: string;
  key: string;
  ca?: string;
}

export interface ListenerConfig {
  host: string;
  port: number;
  tls?: TlsConfig;
  /** Open connections from one source address; more are closed on accept with a log line, so
   * one host cannot take every slot. */
  connectionCountPerAddressMax: number;
}

export interface KafkaListenerConfig extends ListenerConfig {
  advertisedHost: string;
  /** The port clients are told to connect to (Metadata); 0 = the port really bound. */
  advertisedPort: number;
  maxRequestBytes: number;
  /** Requests read from one connection and not yet answered; reading pauses at this bound. */
  inflightCountMax: number;
  /** Cap on the record bytes of one Fetch response, whatever max_bytes the client asks for. */
  fetchBytesMax: number;
  /** Open client connections; more are closed on accept with a log line. */
  connectionCountMax: number;
  /** A connection with no traffic for this long is closed (Kafka's connections.max.idle.ms). */
  connectionIdleMsMax: number;
  /** The first request (and, with SASL, authentication) must complete this soon after
   * connecting, or the connection is closed: silent connections cannot hold slots. */
  handshakeMsMax: number;
  /** A request frame must arrive whole this soon after its first byte (slow senders). */
  requestReadMsMax: number;
  /** Validated by gateways/kafka/sasl/config.ts (documented in gateways/kafka/README.md). */
  sasl?: Record<string, unknown>;
}

export interface HttpListenerConfig extends ListenerConfig {
  token?: string;
  /** Open HTTP connections (WebSocket ones included); more are closed on accept with a log line. */
  connectionCountMax: number;
}

/** The consumer-group coordinator's bounds and timings. Every map fed by the network (groups,
 * members, members waiting for their id) has a bound here; timings follow Kafka's defaults. */
export interface GroupsConfig {
  /** Groups with live members held in memory; past it new groups get COORDINATOR_NOT_AVAILABLE. */
  groupCountMax: number;
  /** Members (joined or waiting with a MEMBER_ID_REQUIRED id) per group; Kafka's group.max.size. */
  memberCountMax: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** Kafka's group.initial.rebalance.delay.ms: a new group waits this long for more members. */
  initialRebalanceDelayMs: number;
  /** Kafka's offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataBytesMax: number;
}

export const groupsDefaults: Readonly<GroupsConfig> = {
  groupCountMax: 10_000,
  memberCountMax: 1_000,
  sessionTimeoutMsMin: 6_000,
  sessionTimeoutMsMax: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  offsetMetadataBytesMax: 4_096,
};

/** The transaction coordinator's bounds (Kafka transactions, KIP-98). Every map fed by the
 * network (transactional ids, their partitions and pending offsets) has a bound here. */
export interface TransactionsConfig {
  /** Kafka's transaction.max.timeout.ms: a producer asking for more gets INVALID_TRANSACTION_TIMEOUT. */
  timeoutMsMax: number;
  /** Transactions open at once; past it a new one gets CONCURRENT_TRANSACTIONS (retriable). */
  openCountMax: number;
  /** Partitions one transaction may touch; past it POLICY_VIOLATION. */
  partitionCountMax: number;
  /** Offsets one transaction may commit (TxnOffsetCommit); past it POLICY_VIOLATION. */
  offsetCountMax: number;
  /** Transactional ids remembered; past it (after expiring idle ones) THROTTLING_QUOTA_EXCEEDED. */
  idCountMax: number;
  /** Kafka's transactional.id.expiration.ms: an id idle this long (no open transaction) is forgotten. */
  idExpirationMs: number;
}

export const transactionsDefaults: Readonly<TransactionsConfig> = {
  timeoutMsMax: 900_000,
  openCountMax: 1_000,
  partitionCountMax: 1_000,
  offsetCountMax: 10_000,
  idCountMax: 10_000,
  idExpirationMs: 7 * 24 * 3_600_000,
};

export interface LogConfig {
  autoCreateTopics: boolean;
  partitionCountDefault: number;
  /** Topics the log holds; creating one more (any way) fails with POLICY_VIOLATION. */
  topicCountMax: number;
  /** Partitions of all topics together; past it creating or growing a topic fails (POLICY_VIOLATION). */
  partitionCountMax: number;
  /** Unknown topics one Kafka Metadata request may auto-create; the rest get POLICY_VIOLATION. */
  autoCreateTopicCountPerRequestMax: number;
  /** Topics auto-created per minute, all clients together; past it THROTTLING_QUOTA_EXCEEDED. */
  autoCreateTopicCountPerMinuteMax: number;
  /** Readers parked on one partition (Kafka long polls, MQTT delivery); past it a reader is
   * answered at once instead of waiting. */
  waiterCountPerPartitionMax: number;
}

export interface LedgeConfig {
  dataDir: string;
  storage: StorageConfig;
  log: LogConfig;
  listeners: { mqtt: ListenerConfig; kafka: KafkaListenerConfig; http: HttpListenerConfig };
  topics: TopicConfig[];
  /** Read by gateways/mqtt, which validates it (raw here so that gateway owns its schema). */
  mqtt: Record<string, unknown>;
  /** Window aggregations (runtime/pipelines); validated in pipelines.ts. */
  pipelines: PipelineConfig[];
  /** Replication upstream; absent = no bridge. */
  bridge?: BridgeConfig;
  groups: GroupsConfig;
  transactions: TransactionsConfig;
}

const KiB = 2 ** 10;
const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** The largest `groups.offsetMetadataBytesMax` accepted; the offsets store refuses more whatever the config. */
export const OFFSET_METADATA_BYTES_CEILING = MiB;

function tls(r: ConfigReader): TlsConfig | undefined {
  if (!r.has("tls")) return (r.raw("tls"), undefined);
  const t = r.section("tls");
  const out: TlsConfig = { cert: t.string("cert", ""), key: t.string("key", ""), ca: t.optionalString("ca") };
  if (!out.cert || !out.key) throw new ConfigError(t.path, "a mapping with both cert and key (PEM file paths)", r.raw("tls"));
  t.done();
  return out;
}

function listener(r: ConfigReader, port: number, connectionCountPerAddressMax: number): ListenerConfig {
  return {
    host: r.string("host", "0.0.0.0"), port: r.integer("port", port, 0, 65535), tls: tls(r),
    connectionCountPerAddressMax: r.integer("connectionCountPerAddressMax", connectionCountPerAddressMax, 1, 1_000_000),
  };
}

function storage(r: ConfigReader): StorageConfig {
  const out: StorageConfig = {
    sync: r.oneOf("sync", ["always", "interval"] as const, "always"),
    syncIntervalMs: r.ms("syncIntervalMs", 100, 1, 60_000),
    maxBytes: r.bytes("maxBytes", 8 * GiB, MiB),
    overflow: r.oneOf("overflow", ["drop-oldest", "reject"] as const, "drop-oldest"),
    commitDelayMs: r.ms("commitDelayMs", 0, 0, 1000),
    commitInflightCountMax: r.integer("commitInflightCountMax", 1, 1, 4),
    appendQueueBytesMax: r.bytes("appendQueueBytesMax", 64 * MiB, 64 * KiB, 4 * GiB),
    transactionBytesMax: r.bytes("transactionBytesMax", 32 * MiB, 64 * KiB, GiB),
  };
  r.done();
  return out;
}

function groups(r: ConfigReader): GroupsConfig {
  const d = groupsDefaults;
  const out: GroupsConfig = {
    groupCountMax: r.integer("groupCountMax", d.groupCountMax, 1, 1_000_000),
    memberCountMax: r.integer("memberCountMax", d.memberCountMax, 1, 100_000),
    sessionTimeoutMsMin: r.ms("sessionTimeoutMsMin", d.sessionTimeoutMsMin, 1, 3_600_000),
    sessionTimeoutMsMax: r.ms("sessionTimeoutMsMax", d.sessionTimeoutMsMax, 1, 3_600_000),
    initialRebalanceDelayMs: r.ms("initialRebalanceDelayMs", d.initialRebalanceDelayMs, 0, 300_000),
    offsetMetadataBytesMax: r.bytes("offsetMetadataBytesMax", d.offsetMetadataBytesMax, 0, OFFSET_METADATA_BYTES_CEILING),
  };
  if (out.sessionTimeoutMsMin > out.sessionTimeoutMsMax) {
    throw new ConfigError(r.key("sessionTimeoutMsMin"), `at most groups.sessionTimeoutMsMax (${out.sessionTimeoutMsMax} ms)`, out.sessionTimeoutMsMin);
  }
  r.done();
  return out;
}

function transactions(r: ConfigReader): TransactionsConfig {
  const d = transactionsDefaults;
  const out: TransactionsConfig = {
    timeoutMsMax: r.ms("timeoutMsMax", d.timeoutMsMax, 1_000, 86_400_000),
    openCountMax: r.integer("openCountMax", d.openCountMax, 1, 1_000_000),
    partitionCountMax: r.integer("partitionCountMax", d.partitionCountMax, 1, 100_000),
    offsetCountMax: r.integer("offsetCountMax", d.offsetCountMax, 1, 1_000_000),
    idCountMax: r.integer("idCountMax", d.idCountMax, 1, 10_000_000),
    idExpirationMs: r.ms("idExpirationMs", d.idExpirationMs, 60_000, 365 * 86_400_000),
  };
  r.done();
  return out;
}

function topic(item: unknown, key: string): TopicConfig {
  const r = new ConfigReader(item, key);
  const name = r.string("name", "");
  if (topicNameProblem(name)) throw new ConfigError(r.key("name"), `a Kafka topic name (${topicNameRule})`, r.raw("name"));
  const partitions = r.integer("partitions", 1, 1, 10_000);
  const config = r.raw("config") ?? {};
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(r.key("config"), "a mapping of Kafka topic config names to values", config);
  }
  r.done();
  return { name, partitions, config: config as Record<string, string | number> };
}

/** Warns about a key that parses but does nothing yet; start-up logs it (never silent). */
export type ConfigWarn = (message: string) => void;

/** Validates a parsed YAML document into a full config with defaults. */
export function readConfig(doc: unknown, warn: ConfigWarn = () => {}): LedgeConfig {
  const r = new ConfigReader(renameDeprecatedKeys(doc, warn), "");
  const listeners = r.section("listeners");
  const mqttL = listeners.section("mqtt");
  const kafkaL = listeners.section("kafka");
  const httpL = listeners.section("http");
  const kafkaBase = listener(kafkaL, 9092, 250);
  const config: LedgeConfig = {
    dataDir: r.string("dataDir", "./data"),
    storage: storage(r.section("storage")),
    log: (() => {
      const l = r.section("log");
      const out: LogConfig = {
        autoCreateTopics: l.boolean("autoCreateTopics", true),
        partitionCountDefault: l.integer("partitionCountDefault", 1, 1, 10_000),
        topicCountMax: l.integer("topicCountMax", 10_000, 1, 1_000_000),
        partitionCountMax: l.integer("partitionCountMax", 100_000, 1, 10_000_000),
        autoCreateTopicCountPerRequestMax: l.integer("autoCreateTopicCountPerRequestMax", 100, 1, 100_000),
        autoCreateTopicCountPerMinuteMax: l.integer("autoCreateTopicCountPerMinuteMax", 1_000, 1, 1_000_000),
        waiterCountPerPartitionMax: l.integer("waiterCountPerPartitionMax", 10_000, 1, 1_000_000),
      };
      l.done();
      return out;
    })(),
    listeners: {
      // Local apps and the MQTT benchmark connect from one address (loopback): room for them.
      mqtt: listener(mqttL, 1883, 5_000),
      kafka: {
        ...kafkaBase,
        advertisedHost: kafkaL.string("advertisedHost", "127.0.0.1"),
        advertisedPort: kafkaL.integer("advertisedPort", 0, 0, 65535),
        maxRequestBytes: kafkaL.bytes("maxRequestBytes", 100 * MiB, 1024, 2 ** 31 - 1),
        inflightCountMax: kafkaL.integer("inflightCountMax", 32, 1, 1024),
        fetchBytesMax: kafkaL.bytes("fetchBytesMax", 64 * MiB, 1024, 2 ** 31 - 1),
        connectionCountMax: kafkaL.integer("connectionCountMax", 1000, 1, 100_000),
        connectionIdleMsMax: kafkaL.ms("connectionIdleMsMax", 600_000, 100, 86_400_000),
        handshakeMsMax: kafkaL.ms("handshakeMsMax", 10_000, 100, 600_000),
        requestReadMsMax: kafkaL.ms("requestReadMsMax", 30_000, 100, 600_000),
        sasl: (kafkaL.raw("sasl") ?? undefined) as Record<string, unknown> | undefined,
      },
      http: {
        ...listener(httpL, 8080, 64), token: httpL.optionalString("token"),
        connectionCountMax: httpL.integer("connectionCountMax", 256, 1, 100_000),
      },
    },
    topics: r.list("topics", topic),
    mqtt: (r.raw("mqtt") ?? {}) as Record<string, unknown>,
    pipelines: readPipelinesConfig(r),
    bridge: r.has("bridge") ? readBridgeConfig(r.raw("bridge"), "bridge") : (r.raw("bridge"), undefined),
    groups: groups(r.section("groups")),
    transactions: transactions(r.section("transactions")),
  };
  mqttL.done();
  kafkaL.done();
  httpL.done();
  listeners.done();
  r.done();
  return config;
}
