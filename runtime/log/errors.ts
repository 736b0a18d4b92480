// The log's errors as one table. Each entry carries the Kafka error code the Kafka listener
// answers with, so there is no second mapping table. Messages are for operators: what happened,
// to what, and what to do. A batch the wasm core refuses keeps the core's own error and code
// (runtime/core/errors.ts); docs/errors.md explains every code of both tables.
import { ErrorCode } from "../kafka/errors.ts";
import { topicNameRule } from "../kafka/topic-name.ts";

export interface LogErrorSpec {
  kafkaErrorCode: number;
  retriable: boolean;
  /** What an operator or client should do about it. */
  advice: string;
}

export const logErrors = {
  LEDGE_ERR_UNKNOWN_TOPIC: { kafkaErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, retriable: true, advice: "create the topic first, or enable log.autoCreateTopics" },
  LEDGE_ERR_UNKNOWN_PARTITION: { kafkaErrorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, retriable: true, advice: "use a partition below the topic's partition count, or add partitions" },
  LEDGE_ERR_TOPIC_EXISTS: { kafkaErrorCode: ErrorCode.TOPIC_ALREADY_EXISTS, retriable: false, advice: "use the existing topic or delete it first" },
  LEDGE_ERR_INVALID_TOPIC: { kafkaErrorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, retriable: false, advice: `use ${topicNameRule}` },
  LEDGE_ERR_TOPIC_LIMIT: { kafkaErrorCode: ErrorCode.POLICY_VIOLATION, retriable: false, advice: "delete unused topics, or raise log.topicCountMax / log.partitionCountMax" },
  LEDGE_ERR_INVALID_PARTITIONS: { kafkaErrorCode: ErrorCode.INVALID_PARTITIONS, retriable: false, advice: "give a partition count from 1 to 10000 that does not shrink the topic" },
  LEDGE_ERR_INVALID_TOPIC_CONFIG: { kafkaErrorCode: ErrorCode.INVALID_CONFIG, retriable: false, advice: "fix the topic config value (see README 'Storage')" },
  LEDGE_ERR_OFFSET_OUT_OF_RANGE: { kafkaErrorCode: ErrorCode.OFFSET_OUT_OF_RANGE, retriable: false, advice: "read from an offset between the log start offset and the high watermark" },
  LEDGE_ERR_STORAGE_FULL: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true, advice: "free disk space, raise storage.maxBytes, or lower retention; writes resume once space is available" },
  LEDGE_ERR_STORAGE: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true, advice: "check the data directory's disk and permissions; the write was not stored" },
  LEDGE_ERR_STORAGE_FAILED: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true, advice: "the disk under the data directory failed (an I/O error, not a full disk); ledge refuses every write and exits with code 74 so its supervisor restarts it; check the device (dmesg, the SD card or its mount) and retry once ledge is back: everything acknowledged before is kept" },
  LEDGE_ERR_MESSAGE_TOO_LARGE: { kafkaErrorCode: ErrorCode.MESSAGE_TOO_LARGE, retriable: false, advice: "send smaller batches or raise the topic's max.message.bytes" },
  LEDGE_ERR_STORED_BATCH_CORRUPT: { kafkaErrorCode: ErrorCode.CORRUPT_MESSAGE, retriable: false, advice: "the data directory holds a damaged batch (its disk, or something writing to ledge.mdb besides ledge); restore that partition from upstream or delete the topic" },
  LEDGE_ERR_OUT_OF_ORDER_SEQUENCE: { kafkaErrorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, retriable: false, advice: "the idempotent producer skipped a sequence number; it must reset its producer state" },
  LEDGE_ERR_INVALID_PRODUCER_EPOCH: { kafkaErrorCode: ErrorCode.INVALID_PRODUCER_EPOCH, retriable: false, advice: "a newer instance of this producer has taken over; this one must stop" },
  LEDGE_ERR_OFFSET_METADATA_TOO_LARGE: { kafkaErrorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE, retriable: false, advice: "commit a metadata string of at most 4096 bytes" },
  LEDGE_ERR_DATA_DIR_IN_USE: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR, retriable: false, advice: "one process opens a data directory's log at a time: stop the other one (ledge verify and ledge backup finish by themselves) or give this one another --data-dir; ledge verify and ledge backup hand their work to a running ledge" },
  LEDGE_ERR_LOG_CLOSED: { kafkaErrorCode: ErrorCode.KAFKA_STORAGE_ERROR, retriable: true, advice: "the log is shutting down; retry against the restarted process" },
  LEDGE_ERR_TOO_MANY_WAITERS: { kafkaErrorCode: ErrorCode.REQUEST_TIMED_OUT, retriable: true, advice: "the reader is answered without waiting; poll less often, use fewer consumers of the partition, or raise log.waiterCountPerPartitionMax" },
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
