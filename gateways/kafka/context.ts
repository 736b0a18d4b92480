// What every Kafka request handler receives: the request, and the listener's shared parts.
import type { KafkaListenerConfig, LedgeConfig } from "../../runtime/config/index.ts";
import type { Logger } from "../../runtime/logger.ts";
import type { Metrics } from "../../runtime/metrics/index.ts";
import type { RequestCounts } from "./request-counts.ts";
import type { RequestHeader } from "../../runtime/kafka/protocol/headers.ts";
import type { KafkaLogPort } from "./log-port.ts";
import type { SaslSettings } from "./sasl/config.ts";
import type { GroupCoordinator } from "../../runtime/groups/coordinator.ts";
import type { TransactionCoordinator } from "../../runtime/transactions/coordinator.ts";
import type { BufferPool } from "../../runtime/core/buffer-pool.ts";
import type { AutoCreateBudget } from "./auto-create.ts";

/** Per-connection state a handler may read or change (SASL progress). */
export interface ConnectionState {
  readonly id: number;
  readonly remoteAddress: string;
  /** True once SASL succeeded, or from the start on listeners without SASL. */
  authenticated: boolean;
  saslMechanism: string | null;
  /** Mechanism-specific state between SaslAuthenticate round trips (SCRAM). */
  saslExchange: unknown;
  /** True after SaslHandshake v0: the next frames are raw tokens, not Kafka requests. */
  rawSaslTokens: boolean;
  principal: string | null;
}

export interface GatewayParts {
  config: LedgeConfig;
  listener: KafkaListenerConfig;
  log: KafkaLogPort;
  logger: Logger;
  metrics: Metrics;
  /** The cluster id Metadata names (default: ledgeClusterId). */
  clusterId?: string;
  /** The port the listener really bound (advertised in Metadata). */
  port(): number;
  /** Parsed listeners.kafka.sasl; undefined when SASL is off. */
  sasl?: SaslSettings;
  /** The consumer-group coordinator; without one the group APIs answer COORDINATOR_NOT_AVAILABLE. */
  groups?: GroupCoordinator;
  /** The transaction coordinator; without one transactional ids are refused. */
  transactions?: TransactionCoordinator;
  /** Topic auto-creations left this minute (log.autoCreateTopicCountPerMinuteMax); without one, unbounded. */
  autoCreate?: AutoCreateBudget;
  /** Reused buffers for large Produce frames; without one every frame is a new allocation. */
  frameBuffers?: BufferPool;
  /** Reused buffers Fetch reads stored batches into; without one each batch is a new Buffer. */
  fetchBuffers?: BufferPool;
  /** ledge_kafka_requests_total; without one requests are not counted. */
  requestCounts?: RequestCounts;
}

export interface RequestContext<Req = unknown> {
  header: RequestHeader;
  body: Req;
  parts: GatewayParts;
  connection: ConnectionState;
  /** Aborted when the connection closes (ends long polls). */
  signal: AbortSignal;
}

/** A handler's answer: a response body, no response (acks=0), or close the connection.
 * `release` runs once the response has left for the socket (or was dropped): the body may hold
 * views into a pooled buffer until then. */
export type HandlerResult =
  | { kind: "respond"; body: unknown; thenClose?: string; release?: () => void }
  | { kind: "silent" }
  | { kind: "close"; reason: string };

/** `any`: the handler table holds every API's handler, each typed with its own request body. */
export type KafkaHandler = (ctx: RequestContext<any>) => Promise<HandlerResult>;

export const respond = (body: unknown): HandlerResult => ({ kind: "respond", body });
export const silent: HandlerResult = { kind: "silent" };
/** Answer, then close the connection (a failed SASL authentication). */
export const respondThenClose = (body: unknown, reason: string): HandlerResult => ({ kind: "respond", body, thenClose: reason });
export const closeConnection = (reason: string): HandlerResult => ({ kind: "close", reason });
