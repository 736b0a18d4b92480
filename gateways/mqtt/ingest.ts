// MQTT messages into the log. Messages for the same (log topic, partition) that arrive in one
// event-loop turn become ONE multi-record batch: one wasm encode, one append, one share of a
// group commit. Each submit gets a promise that resolves only when its batch is durable (one
// promise per batch, not per message; records gather as columns, not objects).
import { BATCH_HEADER_BYTES, encodeBatchColumns, recordBytesMax } from "../../runtime/core/index.ts";
import { BufferPool } from "../../runtime/core/buffer-pool.ts";
import type { EncodedBatch, RecordHeader } from "../../runtime/core/types.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import type { Counter, CounterSeries } from "../../runtime/metrics/index.ts";
import { ConfigError } from "../../runtime/config/index.ts";
import { LogError } from "../../runtime/log/errors.ts";
import type { MqttLimits, MqttRoute } from "./config.ts";
import type { MqttLog } from "./log-port.ts";
import type { BrokerMessage } from "./message.ts";
import { payloadProblem } from "./payload-check.ts";
import { IngestColumns } from "./ingest-columns.ts";
import { messageToRecord, plainRecordHeaders } from "./record-mapping.ts";
import { keyFor, routeFor, routedLogTopics } from "./routes.ts";

interface PendingBatch {
  topic: string;
  partition: number;
  columns: IngestColumns;
  /** The most bytes its records can take encoded (recordBytesMax summed), and the bound on it. */
  bytes: number;
  bytesMax: number;
  /** One promise for the whole batch: every message in it becomes durable together. */
  durable: Promise<void>;
  /** What submit returns for each message of the batch (one object per batch, not per message). */
  outcome: IngestOutcome;
  resolve: () => void;
  reject: (err: Error) => void;
}

interface KeyEntry {
  key: Buffer;
  partition: number;
}

/** Keys and partitions of recently seen topics (devices publish to the same few topics). */
const keyCacheCountMax = 10_000;
/** Emptied columns kept for the next batches: at most this many, each at most this big. */
const spareColumnsCountMax = 2;
const spareColumnsBytesMax = 256 * 1024;
/** Encoded batches live until their commit; their buffers are then reused, up to this many bytes
 * kept (a fresh buffer per batch was half the garbage of a QoS 0 flood, dead but still resident
 * until a collection). Batches under the minimum are left to the collector. */
const batchBuffersFreeBytesMax = 2 * 1024 * 1024;
const batchBufferBytesMin = 4 * 1024;

export type IngestOutcome =
  | { ok: true; durable: Promise<void> }
  | { ok: false; reason: "payload-check"; message: string };

export interface IngestMetrics {
  messagesIn: Counter;
  /** messagesIn's series per QoS (index = QoS). */
  messagesInByQos: readonly CounterSeries[];
  batchesAppended: Counter;
  batchBuffersReused: Counter;
  payloadCheckFailed: Counter;
  appendFailed: Counter;
}

export class Ingest {
  readonly #log: MqttLog;
  #routes: MqttRoute[];
  readonly #limits: MqttLimits;
  readonly #metrics: IngestMetrics;
  readonly #partitions = new Map<string, number>();
  /** Per log topic: the most record bytes one batch may hold (mqtt.limits.batchBytesMax, and
   * the topic's max.message.bytes, past which the log refuses the whole batch). */
  readonly #recordBytesCap = new Map<string, number>();
  /** Batches being filled this turn: per log topic, indexed by partition. */
  #open = new Map<string, Array<PendingBatch | undefined>>();
  #flushScheduled = false;
  /** Messages submitted and not yet durable (bounded by #pendingCountMax via whenRoom). */
  #pendingCount = 0;
  readonly #pendingCountMax: number;
  /** One promise all publishers wait on while the bound is reached (not one per message). */
  #room: Promise<void> | undefined;
  #roomReady: (() => void) | undefined;
  readonly #spareColumns: IngestColumns[] = [];
  readonly #batchBuffers: BufferPool;
  readonly #takeBatchBuffer = (bytes: number) => this.#batchBuffers.take(bytes);
  /** Per log topic: MQTT key text → key bytes and partition. */
  readonly #keys = new Map<string, Map<string, KeyEntry>>();

  constructor(log: MqttLog, routes: MqttRoute[], limits: MqttLimits, metrics: IngestMetrics) {
    this.#log = log;
    this.#routes = routes;
    this.#limits = limits;
    this.#metrics = metrics;
    this.#pendingCountMax = limits.ingestPendingCountMax;
    this.#batchBuffers = new BufferPool(batchBuffersFreeBytesMax, () => metrics.batchBuffersReused.inc(), batchBufferBytesMin);
  }

  /** Creates (or finds) every routed log topic; call once before submit. */
  async open(): Promise<void> {
    await this.openTopics(routedLogTopics(this.#routes));
  }

  /** Creates (or finds) each of `topics` so that routes can write to it. */
  async openTopics(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      try {
        await this.refreshTopic(topic);
      } catch (err) {
        if (!(err instanceof LogError) || err.code !== "LEDGE_ERR_UNKNOWN_TOPIC") throw err;
        // log.autoCreateTopics: false and the topic was never made: name what to configure.
        throw new ConfigError("topics", `a list naming log topic '${topic}', which mqtt.routes (or the default route) write to, ` +
          `because log.autoCreateTopics is false: add \`- { name: ${topic}, partitions: 1 }\` under topics:, or set log.autoCreateTopics: true`, "no such topic in the data directory");
      }
    }
  }

  /** (Re)reads a routed log topic, creating it when missing: its partition count and batch
   * bound may have changed (deleted and created again, or grown). Resolves with the count. */
  async refreshTopic(topic: string): Promise<number> {
    const d = await this.#log.ensureTopic(topic);
    this.#partitions.set(topic, d.partitions);
    const maxMessageBytes = Number(d.config["max.message.bytes"] ?? Infinity);
    this.#recordBytesCap.set(topic, Math.min(this.#limits.batchBytesMax, maxMessageBytes) - BATCH_HEADER_BYTES);
    this.#keys.delete(topic); // keys were mapped to partitions by the old count
    return d.partitions;
  }

  /** Every submit from now on takes `routes` (their log topics opened first: openTopics). */
  setRoutes(routes: MqttRoute[]): void {
    this.#routes = routes;
  }

  /** A log topic routes no longer write to (config reload): no longer kept as a routed one. */
  forgetTopic(topic: string): void {
    this.#partitions.delete(topic);
    this.#recordBytesCap.delete(topic);
    this.#keys.delete(topic);
  }

  get logTopics(): Map<string, number> {
    return this.#partitions;
  }

  /** Resolves when fewer than the bound of messages wait for durability (backpressure). */
  whenRoom(): Promise<void> | undefined {
    if (this.#pendingCount < this.#pendingCountMax) return undefined;
    return (this.#room ??= new Promise((resolve) => (this.#roomReady = resolve)));
  }

  /** Routes, checks and queues `message`; the promise resolves once it is durable. */
  submit(message: BrokerMessage, nowMs = Date.now()): IngestOutcome {
    const route = routeFor(this.#routes, message.topic);
    if (route.check) {
      const problem = payloadProblem(route.check, message.payload);
      if (problem) return this.#checkFailed(problem, route);
    }
    const keyText = keyFor(route, message.topic);
    const { key, partition } = this.#keyFor(route.topic, keyText);
    const record = messageToRecord(message, key, keyText === message.topic, nowMs);
    this.#countIn(message.qos);
    this.#pendingCount++;
    const value = record.value;
    return this.#add(route.topic, partition, key, value ?? key, value === null ? -1 : 0, value?.length ?? 0, record.headers, nowMs);
  }

  /** submit() for the hot path: a message without MQTT 5 properties, not retained, whose
   * payload is `source[start..end)` (copied here), from client `clientId`. No object per message. */
  submitPlain(topic: string, source: Buffer, start: number, end: number, qos: 0 | 1 | 2, clientId: string, nowMs = Date.now()): IngestOutcome {
    const route = routeFor(this.#routes, topic);
    const keyText = keyFor(route, topic);
    if (route.check || keyText !== topic || clientId === "") {
      // Rare shapes (payload checks, keys from a topic level, no client id): the general path.
      return this.submit({ topic, payload: source.subarray(start, end), qos, retain: false, originClientId: clientId || undefined }, nowMs);
    }
    const { key, partition } = this.#keyFor(route.topic, keyText);
    this.#countIn(qos);
    this.#pendingCount++;
    return this.#add(route.topic, partition, key, source, start, end, plainRecordHeaders(qos, false, clientId), nowMs);
  }

  #countIn(qos: 0 | 1 | 2): void {
    this.#metrics.messagesIn.inc();
    this.#metrics.messagesInByQos[qos].inc();
  }

  #checkFailed(problem: string, route: MqttRoute): IngestOutcome {
    this.#metrics.payloadCheckFailed.inc();
    return { ok: false, reason: "payload-check", message: `${problem}; route ${route.filter} → ${route.topic} requires ${route.check}` };
  }

  #keyFor(topic: string, keyText: string): KeyEntry {
    let forTopic = this.#keys.get(topic);
    if (!forTopic) this.#keys.set(topic, (forTopic = new Map()));
    let entry = forTopic.get(keyText);
    if (!entry) {
      if (forTopic.size >= keyCacheCountMax) forTopic.clear();
      const key = Buffer.from(keyText);
      entry = { key, partition: partitionForKey(key, this.#partitions.get(topic) ?? 1) };
      forTopic.set(keyText, entry);
    }
    return entry;
  }

  /** Adds one record: `key`, value `source[start..end)` (null when start is -1). */
  #add(
    topic: string, partition: number, key: Buffer, source: Uint8Array, start: number, end: number,
    headers: readonly RecordHeader[] | undefined, timestampMs: number,
  ): IngestOutcome {
    let forTopic = this.#open.get(topic);
    if (!forTopic) this.#open.set(topic, (forTopic = []));
    const recordBytes = recordBytesMax(key.length, start < 0 ? -1 : end - start, headers);
    let batch = forTopic[partition];
    if (batch !== undefined && batch.bytes + recordBytes > batch.bytesMax) {
      // Full: this record starts the next batch (one batch over max.message.bytes would be
      // refused whole, every message in it).
      forTopic[partition] = undefined;
      this.#append(batch);
      batch = undefined;
    }
    batch ??= forTopic[partition] = this.#newBatch(topic, partition);
    const columns = batch.columns;
    columns.add(key, source, start, end, headers, timestampMs);
    batch.bytes += recordBytes;
    const outcome = batch.outcome;
    if (columns.count >= this.#limits.batchCountMax) {
      forTopic[partition] = undefined;
      this.#append(batch);
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    return outcome;
  }

  #newBatch(topic: string, partition: number): PendingBatch {
    let resolve!: () => void;
    let reject!: (err: Error) => void;
    const durable = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    durable.catch(() => {}); // QoS 0 publishers do not wait; failures are counted in #settle
    const columns = this.#spareColumns.pop() ?? new IngestColumns();
    const bytesMax = this.#recordBytesCap.get(topic) ?? this.#limits.batchBytesMax - BATCH_HEADER_BYTES;
    return { topic, partition, columns, bytes: 0, bytesMax, durable, outcome: { ok: true, durable }, resolve, reject };
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    for (const forTopic of this.#open.values()) {
      for (let p = 0; p < forTopic.length; p++) {
        const batch = forTopic[p];
        if (!batch) continue;
        forTopic[p] = undefined;
        this.#append(batch);
      }
    }
  }

  #append(batch: PendingBatch): void {
    const columns = batch.columns;
    const count = columns.count;
    let bytes: EncodedBatch | undefined;
    let failure: Error | undefined;
    try {
      bytes = encodeBatchColumns(columns, {}, this.#takeBatchBuffer);
    } catch (err) {
      failure = err as Error;
    }
    columns.clear(); // encoded (or refused): the columns serve the next batch
    if (this.#spareColumns.length < spareColumnsCountMax && columns.data.length <= spareColumnsBytesMax) this.#spareColumns.push(columns);
    if (bytes === undefined) return this.#settle(batch, count, failure);
    const stored = bytes;
    this.#log.appendEncoded(batch.topic, batch.partition, bytes).then(
      () => {
        this.#batchBuffers.give(stored); // committed: LMDB holds its own copy now
        this.#settle(batch, count, undefined);
      },
      // Not given back: after a failed commit, nothing proves the writer is done with it.
      (err: Error) => this.#settle(batch, count, err),
    );
  }

  #settle(batch: PendingBatch, count: number, err: Error | undefined): void {
    this.#pendingCount -= count;
    if (err) {
      this.#metrics.appendFailed.inc();
      batch.reject(err);
    } else {
      this.#metrics.batchesAppended.inc();
      batch.resolve();
    }
    if (this.#pendingCount < this.#pendingCountMax && this.#roomReady !== undefined) {
      const ready = this.#roomReady;
      this.#room = undefined;
      this.#roomReady = undefined;
      ready();
    }
  }
}
