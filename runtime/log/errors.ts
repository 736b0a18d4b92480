// The log's errors as one table. Each entry carries the Kafka error code the Kafka listener
// answers with, so there is no second mapping table. Messages are for operators: what happened,
// to what, and what to do.

export interface LogErrorSpec {
  kafkaErrorCode: number;
  retriable: boolean;
  /** What an operator or client should do about it. */
  advice: string;
}

export const logErrors = {
  LEDGE_ERR_UNKNOWN_TOPIC: { kafkaErrorCode: 3, retriable: true, advice: "create the topic first, or enable log.autoCreateTopics" },
  LEDGE_ERR_UNKNOWN_PARTITION: { kafkaErrorCode: 3, retriable: true, advice: "use a partition below the topic's partition count, or add partitions" },
  LEDGE_ERR_TOPIC_EXISTS: { kafkaErrorCode: 36, retriable: false, advice: "use the existing topic or delete it first" },
  LEDGE_ERR_INVALID_TOPIC: { kafkaErrorCode: 17, retriable: false, advice: "use 1 to 249 characters of [a-zA-Z0-9._-], not '.' or '..'" },
  LEDGE_ERR_INVALID_PARTITIONS: { kafkaErrorCode: 37, retriable: false, advice: "give a partition count from 1 to 10000 that does not shrink the topic" },
  LEDGE_ERR_INVALID_CONFIG: { kafkaErrorCode: 40, retriable: false, advice: "fix the topic config value (see README 'Storage')" },
  LEDGE_ERR_OFFSET_OUT_OF_RANGE: { kafkaErrorCode: 1, retriable: false, advice: "read from an offset between the log start offset and the high watermark" },
  LEDGE_ERR_STORAGE_FULL: { kafkaErrorCode: 56, retriable: true, advice: "free disk space, raise storage.maxBytes, or lower retention; writes resume once space is available" },
  LEDGE_ERR_STORAGE: { kafkaErrorCode: 56, retriable: true, advice: "check the data directory's disk and permissions; the write was not stored" },
  LEDGE_ERR_MESSAGE_TOO_LARGE: { kafkaErrorCode: 10, retriable: false, advice: "send smaller batches or raise the topic's max.message.bytes" },
  LEDGE_ERR_CORRUPT_BATCH: { kafkaErrorCode: 2, retriable: true, advice: "the client sent a damaged record batch (bad CRC or sizes); it should resend" },
  LEDGE_ERR_UNSUPPORTED_BATCH: { kafkaErrorCode: 43, retriable: false, advice: "only RecordBatch v2 (magic 2) is stored; upgrade the client" },
  LEDGE_ERR_OUT_OF_ORDER_SEQUENCE: { kafkaErrorCode: 45, retriable: false, advice: "the idempotent producer skipped a sequence number; it must reset its producer state" },
  LEDGE_ERR_INVALID_PRODUCER_EPOCH: { kafkaErrorCode: 47, retriable: false, advice: "a newer instance of this producer has taken over; this one must stop" },
  LEDGE_ERR_OFFSET_METADATA_TOO_LARGE: { kafkaErrorCode: 12, retriable: false, advice: "commit a metadata string of at most 4096 bytes" },
  LEDGE_ERR_LOG_CLOSED: { kafkaErrorCode: 56, retriable: true, advice: "the log is shutting down; retry against the restarted process" },
  LEDGE_ERR_BACKPRESSURE: { kafkaErrorCode: 7, retriable: true, advice: "too many appends are waiting for a commit; slow down and retry" },
} as const satisfies Record<string, LogErrorSpec>;

export type LogErrorCode = keyof typeof logErrors;

export class LogError extends Error {
  readonly code: LogErrorCode;
  readonly kafkaErrorCode: number;
  readonly retriable: boolean;

  constructor(code: LogErrorCode, what: string, options?: { cause?: unknown }) {
    const spec: LogErrorSpec = logErrors[code];
    super(`${what}; ${spec.advice}`, options);
    this.name = "LogError";
    this.code = code;
    this.kafkaErrorCode = spec.kafkaErrorCode;
    this.retriable = spec.retriable;
  }
}

export function isLogError(err: unknown, code?: LogErrorCode): err is LogError {
  return err instanceof LogError && (code === undefined || err.code === code);
}
