// What the bridge is doing, for operators: one log line per state change, progress lines while
// a backlog drains, and the ledge_bridge_* metrics.
import type { Logger } from "../runtime/logger.ts";
import type { Metrics, Gauge, GaugeSeries, Counter, Labels } from "../runtime/metrics/index.ts";
import type { Log } from "../runtime/log/index.ts";
import { readBatchHeader } from "../runtime/core/index.ts";
import type { Lane } from "./lanes.ts";
import { LagBytes } from "./lag-bytes.ts";

export type BridgeState = "stopped" | "connecting" | "shipping" | "idle" | "backing-off" | "fenced";

/** ledge_bridge_state's values (README, "Bridge"). */
export const bridgeStateCodes: Readonly<Record<BridgeState, number>> = {
  stopped: 0, connecting: 1, shipping: 2, idle: 3, "backing-off": 4, fenced: 5,
};

const progressEveryMs = 10_000;

/** One shipped partition's labelled lag series. */
interface LaneSeries {
  labels: Labels;
  records: GaugeSeries;
  bytes: GaugeSeries;
  seconds: GaugeSeries;
}

export class BridgeStatus {
  state: BridgeState = "stopped";
  detail = "";
  lastError: string | null = null;
  lastCommitMs = 0;
  lagRecords = 0;
  lagBytes = 0;
  lagSeconds = 0;
  readonly #logger: Logger;
  readonly #upstream: string;
  readonly #stateGauge: Gauge;
  readonly #lagRecords: Gauge;
  readonly #lagBytes: Gauge;
  readonly #lagSeconds: Gauge;
  readonly #lastCommit: Gauge;
  readonly #blockedTopics: Gauge;
  readonly #shippedBytes: Counter;
  readonly #shippedRecords: Counter;
  readonly #transactions: Counter;
  readonly #abortedRecords: Counter;
  readonly #possibleDuplicates: Counter;
  readonly #upstreamReplaced: Counter;
  #blocked = new Map<string, string>();
  #progress = { atMs: 0, records: 0, logged: false };
  readonly #bytesBehind = new LagBytes();
  readonly #laneSeries = new Map<string, LaneSeries>();

  constructor(logger: Logger, metrics: Metrics, upstream: string) {
    this.#logger = logger;
    this.#upstream = upstream;
    this.#stateGauge = metrics.gauge("ledge_bridge_state", "Bridge state: 0 stopped, 1 connecting, 2 shipping, 3 idle (caught up), 4 backing off after an error, 5 fenced");
    this.#lagRecords = metrics.gauge("ledge_bridge_lag_records", "Records stored locally and not yet committed upstream: per shipped partition {topic, partition}, and unlabelled the total");
    this.#lagBytes = metrics.gauge("ledge_bridge_lag_bytes", "Stored batch bytes not yet committed upstream: per shipped partition {topic, partition}, and unlabelled the total");
    this.#lagSeconds = metrics.gauge("ledge_bridge_lag_seconds", "Age of the oldest record not yet committed upstream, 0 when caught up: per shipped partition {topic, partition}, and unlabelled the oldest of all");
    this.#lastCommit = metrics.gauge("ledge_bridge_last_commit_timestamp_seconds", "When the bridge last committed an upstream transaction (Unix time)");
    this.#blockedTopics = metrics.gauge("ledge_bridge_blocked_topics", "Upstream topics the bridge cannot ship to until the operator acts (see the log)");
    this.#shippedBytes = metrics.counter("ledge_bridge_shipped_bytes_total", "Record batch bytes committed upstream");
    this.#shippedRecords = metrics.counter("ledge_bridge_shipped_records_total", "Records committed upstream");
    this.#transactions = metrics.counter("ledge_bridge_transactions_total", "Upstream transactions committed");
    this.#possibleDuplicates = metrics.counter("ledge_bridge_possible_duplicates_total", "Records that may be stored twice upstream: sent by an idempotent producer upstream then forgot, not acknowledged, and resent under a new one (delivery: idempotent)");
    this.#upstreamReplaced = metrics.counter("ledge_bridge_upstream_replaced_total", "Times the upstream answered with another cluster id than the one the bridge's producer and cursors came from (a rebuilt or different cluster behind bridge.brokers; see the log)");
    this.#abortedRecords = metrics.counter("ledge_bridge_aborted_records_total", "Records sent upstream in transactions that then failed and were aborted (shipped again in a later one; invisible to read_committed readers)");
  }

  set(state: BridgeState, detail: string): void {
    this.#stateGauge.set(bridgeStateCodes[state]);
    // Caught up on what it may ship: blocked topics still wait (their own lines say why).
    if (state === "idle" && this.#blocked.size > 0) detail = `${detail}, but for blocked upstream topics ${[...this.#blocked.keys()].join(", ")}`;
    if (state === "backing-off" || state === "fenced") this.lastError = detail;
    // Shipping and idle alternate with every transaction at low rates: the metric says which,
    // the log says when the bridge got connected (and drains say how they progress).
    const connected = (s: BridgeState) => s === "shipping" || s === "idle";
    const quiet = (state === this.state && (connected(state) || detail === this.detail)) || (connected(state) && connected(this.state));
    if (quiet) {
      this.state = state;
      return;
    }
    this.state = state;
    this.detail = detail;
    const line = `state ${state}: ${detail}`;
    if (state === "backing-off" || state === "fenced") this.#logger.error(line);
    else this.#logger.info(line);
  }

  blocked(topic: string, reason: string): void {
    if (this.#blocked.get(topic) === reason) return;
    this.#blocked.set(topic, reason);
    this.#blockedTopics.set(this.#blocked.size);
    this.lastError = reason;
    this.#logger.error(`not shipping to ${topic}: ${reason}. Its data stays in the local log; other topics go on`);
  }

  unblocked(topic: string): void {
    if (!this.#blocked.delete(topic)) return;
    this.#blockedTopics.set(this.#blocked.size);
    this.#logger.info(`shipping to ${topic} again`);
  }

  /** Records made durable upstream: an upstream transaction committed, or (idempotent) acknowledged. */
  committed(bytes: number, records: number, transaction: boolean): void {
    this.lastCommitMs = Date.now();
    this.#lastCommit.set(Math.floor(this.lastCommitMs / 1000));
    this.#shippedBytes.inc(bytes);
    this.#shippedRecords.inc(records);
    if (transaction) this.#transactions.inc();
  }

  /** Records sent in a transaction that failed before its commit: the next session aborts it. */
  aborted(records: number): void {
    if (records > 0) this.#abortedRecords.inc(records);
  }

  /** Records an idempotent producer upstream forgot had sent without acknowledgement: resent under a new one. */
  possibleDuplicates(records: number): void {
    if (records > 0) this.#possibleDuplicates.inc(records);
  }

  /** The upstream cluster id changed under the bridge: `line` says what that means for the delivery mode. */
  upstreamReplaced(line: string): void {
    this.#upstreamReplaced.inc();
    this.#logger.warn(line);
  }

  /** Recomputes the lag gauges, per partition and in total; while draining, logs progress every 10 s. */
  update(log: Log, lanes: Lane[]): void {
    let records = 0;
    let bytes = 0;
    let oldestMs = Infinity;
    /** What can drain: records of blocked topics wait for the operator, not for the bridge. */
    let movable = 0;
    const now = Date.now();
    this.#bytesBehind.begin();
    const seen = new Set<string>();
    for (const lane of lanes) {
      let state;
      try {
        state = log.partitionState(lane.topic, lane.partition);
      } catch {
        continue; // the local topic was deleted
      }
      seen.add(lane.key);
      const series = this.#seriesOf(lane);
      const laneRecords = Math.max(0, state.highWatermark - lane.next);
      const laneBytes = this.#bytesBehind.measure(log, { key: lane.key, topic: lane.topic, partition: lane.partition, next: lane.next, ...state });
      let laneOldestMs = Infinity;
      if (laneRecords > 0) {
        log.visitBatches(lane.topic, lane.partition, Math.max(lane.next, state.logStartOffset), state.highWatermark, (first) => {
          laneOldestMs = readBatchHeader(first).baseTimestampMs;
          return false;
        });
      }
      series.records.set(laneRecords);
      series.bytes.set(laneBytes);
      series.seconds.set(lagSecondsSince(laneOldestMs, now));
      records += laneRecords;
      if (!this.#blocked.has(lane.upstreamTopic)) movable += laneRecords;
      bytes += laneBytes;
      oldestMs = Math.min(oldestMs, laneOldestMs);
    }
    this.#dropSeriesExcept(seen);
    this.lagRecords = records;
    this.lagBytes = bytes;
    this.lagSeconds = lagSecondsSince(oldestMs, now);
    this.#lagRecords.set(records);
    this.#lagBytes.set(bytes);
    this.#lagSeconds.set(this.lagSeconds);
    this.#logProgress(movable);
  }

  /** The status as plain data (the admin API's /api/bridge and `ledge status`). */
  snapshot(): Record<string, unknown> {
    return {
      upstream: this.#upstream, state: this.state, detail: this.detail, lastError: this.lastError,
      lastCommitMs: this.lastCommitMs || null, lagRecords: this.lagRecords, lagBytes: this.lagBytes, lagSeconds: this.lagSeconds,
      partitions: [...this.#laneSeries.values()].map((s) => ({
        topic: s.labels.topic, partition: Number(s.labels.partition), lagRecords: s.records.value, lagBytes: s.bytes.value, lagSeconds: s.seconds.value,
      })),
    };
  }

  #seriesOf(lane: Lane): LaneSeries {
    let s = this.#laneSeries.get(lane.key);
    if (!s) {
      const labels = { topic: lane.topic, partition: String(lane.partition) };
      s = { labels, records: this.#lagRecords.with(labels), bytes: this.#lagBytes.with(labels), seconds: this.#lagSeconds.with(labels) };
      this.#laneSeries.set(lane.key, s);
    }
    return s;
  }

  /** The bridge stopped (shutdown, or a config reload that stops or restarts it): its
   * partitions' lag series leave /metrics (a restarted bridge sets its own). */
  stopped(detail: string): void {
    this.set("stopped", detail);
    this.#dropSeriesExcept(new Set());
  }

  /** Partitions no longer shipped (topic deleted or deselected) leave /metrics. */
  #dropSeriesExcept(keys: Set<string>): void {
    this.#bytesBehind.retain(keys);
    for (const [key, s] of this.#laneSeries) {
      if (keys.has(key)) continue;
      this.#laneSeries.delete(key);
      for (const g of [this.#lagRecords, this.#lagBytes, this.#lagSeconds]) g.without(s.labels);
    }
  }

  #logProgress(left: number): void {
    const now = Date.now();
    const shipped = this.#shippedRecords.value;
    if (left === 0) {
      if (this.#progress.logged) this.#logger.info(`caught up with ${this.#upstream}`);
      this.#progress = { atMs: 0, records: shipped, logged: false };
      return;
    }
    if (this.#progress.atMs === 0) {
      this.#progress = { atMs: now, records: shipped, logged: false };
      return;
    }
    if (now - this.#progress.atMs < progressEveryMs) return;
    const rate = (shipped - this.#progress.records) / ((now - this.#progress.atMs) / 1000);
    const eta = rate > 0 ? `about ${Math.ceil(left / rate)} s to catch up` : "not moving";
    this.#logger.info(`draining: ${left} records left, ${Math.round(rate)} records/s, ${eta}`);
    this.#progress = { atMs: now, records: shipped, logged: true };
  }
}

/** Seconds since `oldestMs` to the millisecond, 0 when nothing waits (Infinity). */
function lagSecondsSince(oldestMs: number, nowMs: number): number {
  return oldestMs === Infinity ? 0 : Math.max(0, Math.round(nowMs - oldestMs)) / 1000;
}
