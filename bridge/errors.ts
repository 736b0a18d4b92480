// What can go wrong upstream, as one error type the replicator turns into a state, a log line
// and a retry decision. `kind` says what to do about it; Kafka codes come from
// runtime/kafka/errors.ts, never restated here.
import { errorInfo } from "../runtime/kafka/errors.ts";

export type UpstreamErrorKind =
  /** Network: connect refused, reset, timeout. Retried with backoff. */
  | "connection"
  /** A Kafka error code in an answer (`kafkaCode`). Retried unless fatal. */
  | "kafka"
  /** An answer that does not parse, or out of order. Reconnect and retry. */
  | "decode"
  | "protocol"
  /** The upstream lacks something the configuration needs (an API version, transactions, a
   * topic, partitions). Retried slowly: the operator has to change something. */
  | "unsupported"
  /** The upstream refused this edge's SASL credentials or mechanism (bridge.sasl). Retried with
   * backoff: the operator has to change something. */
  | "auth"
  /** Another edge with the same edgeId took over (producer epoch). Shipping stops. */
  | "fenced";

export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  readonly kafkaCode: number;
  constructor(kind: UpstreamErrorKind, message: string, kafkaCode = 0) {
    super(message);
    this.name = "UpstreamError";
    this.kind = kind;
    this.kafkaCode = kafkaCode;
  }
}

/** An UpstreamError for a non-zero Kafka code in an answer about `what`. */
export function kafkaError(code: number, what: string, hint = ""): UpstreamError {
  const info = errorInfo(code);
  return new UpstreamError("kafka", `${what}: ${info.name} (${code}) ${info.message}${hint ? `; ${hint}` : ""}`, code);
}
