// The log's counters, registered in the process-wide metrics registry (exposed on /metrics).
// Records in are also counted per partition {topic, partition}: at most log.partitionCountMax
// series (every topic's partitions together), and a deleted topic's series go with it.
import { Metrics, type Counter, type Gauge } from "../metrics/index.ts";

export interface LogCounters {
  appends: Counter;
  recordsIn: Counter;
  bytesIn: Counter;
  duplicates: Counter;
  commits: Counter;
  commitsPipelined: Counter;
  fsyncs: Counter;
  retainedOutBatches: Counter;
  droppedRecords: Counter;
  droppedBytes: Counter;
  rejectedFull: Counter;
  compactedRecords: Counter;
  batchReads: Counter;
  storedBytes: Gauge;
  queuedBytes: Gauge;
}

export function logCounters(metrics: Metrics = new Metrics()): LogCounters {
  return {
    appends: metrics.counter("ledge_log_appends_total", "Batches appended to the log"),
    recordsIn: metrics.counter("ledge_records_in_total", "Records appended to the log (MQTT, Kafka, WebSocket, HTTP, pipelines' outputs): per partition {topic, partition}, and unlabelled the total"),
    bytesIn: metrics.counter("ledge_bytes_in_total", "Record batch bytes appended to the log"),
    duplicates: metrics.counter("ledge_log_duplicate_batches_total", "Idempotent re-sends answered without appending"),
    commits: metrics.counter("ledge_log_commits_total", "LMDB write transactions committed by the log"),
    commitsPipelined: metrics.counter("ledge_log_commits_pipelined_total", "Transactions issued while the previous one was still committing"),
    fsyncs: metrics.counter("ledge_log_fsyncs_total", "Commits confirmed flushed to disk"),
    retainedOutBatches: metrics.counter("ledge_retention_deleted_total", "Record batches deleted by retention.ms / retention.bytes"),
    droppedRecords: metrics.counter("ledge_log_dropped_records_total", "Records dropped because storage.maxBytes was reached (overflow: drop-oldest)"),
    droppedBytes: metrics.counter("ledge_log_dropped_bytes_total", "Batch bytes dropped because storage.maxBytes was reached"),
    rejectedFull: metrics.counter("ledge_log_rejected_full_total", "Appends refused with LEDGE_ERR_STORAGE_FULL"),
    compactedRecords: metrics.counter("ledge_log_compacted_records_total", "Records removed by compaction (older values of a key, expired tombstones)"),
    batchReads: metrics.counter("ledge_log_reads_total", "Reads of stored batches by readers (Kafka fetches, MQTT deliveries, the bridge, pipelines): {source=\"memory\"} served from the newest batches kept in memory, {source=\"lmdb\"} from LMDB; unlabelled, all of them"),
    storedBytes: metrics.gauge("ledge_storage_bytes", "Record batch bytes stored across all partitions (what storage.maxBytes caps)"),
    queuedBytes: metrics.gauge("ledge_log_append_queue_bytes", "Bytes of appends waiting for a commit"),
  };
}
