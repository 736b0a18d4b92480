// The log's counters, registered in the process-wide metrics registry (exposed on /metrics).
import { Metrics, type Counter, type Gauge } from "../metrics/index.ts";

export interface LogCounters {
  appends: Counter;
  appendedRecords: Counter;
  appendedBytes: Counter;
  duplicates: Counter;
  commits: Counter;
  commitsPipelined: Counter;
  fsyncs: Counter;
  retainedOutBatches: Counter;
  droppedRecords: Counter;
  droppedBytes: Counter;
  rejectedFull: Counter;
  compactedRecords: Counter;
  storedBytes: Gauge;
  queuedBytes: Gauge;
}

export function logCounters(metrics: Metrics = new Metrics()): LogCounters {
  return {
    appends: metrics.counter("ledge_log_appends_total", "Batches appended to the log"),
    appendedRecords: metrics.counter("ledge_log_appended_records_total", "Records appended to the log"),
    appendedBytes: metrics.counter("ledge_log_appended_bytes_total", "Batch bytes appended to the log"),
    duplicates: metrics.counter("ledge_log_duplicate_batches_total", "Idempotent re-sends answered without appending"),
    commits: metrics.counter("ledge_log_commits_total", "LMDB write transactions committed by the log"),
    commitsPipelined: metrics.counter("ledge_log_commits_pipelined_total", "Transactions issued while the previous one was still committing"),
    fsyncs: metrics.counter("ledge_log_fsyncs_total", "Commits confirmed flushed to disk"),
    retainedOutBatches: metrics.counter("ledge_log_retention_deleted_batches_total", "Batches deleted by retention.ms / retention.bytes"),
    droppedRecords: metrics.counter("ledge_log_dropped_records_total", "Records dropped because storage.maxBytes was reached (overflow: drop-oldest)"),
    droppedBytes: metrics.counter("ledge_log_dropped_bytes_total", "Batch bytes dropped because storage.maxBytes was reached"),
    rejectedFull: metrics.counter("ledge_log_rejected_full_total", "Appends refused with LEDGE_ERR_STORAGE_FULL"),
    compactedRecords: metrics.counter("ledge_log_compacted_records_total", "Records removed by compaction (older values of a key, expired tombstones)"),
    storedBytes: metrics.gauge("ledge_log_stored_bytes", "Batch bytes stored across all partitions"),
    queuedBytes: metrics.gauge("ledge_log_append_queue_bytes", "Bytes of appends waiting for a commit"),
  };
}
