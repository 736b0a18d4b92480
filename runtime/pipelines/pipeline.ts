// One running pipeline: reads its source topic's committed batches from the log, folds them in
// its window engine, and writes what closed — results to `to`, late records to `<name>.late`,
// bad input to `<name>.dlq` — in ONE LMDB transaction with its checkpoint (the engine's open
// windows and partition watermarks, and the source offsets they cover). After a crash it resumes
// from that checkpoint and, since the engine's output depends only on each partition's order,
// writes exactly what an uninterrupted run would have written after it: no duplicate, no gap.
//
// A checkpoint goes with every output, and at most every CHECKPOINT_INTERVAL_MS while input is
// consumed without output (so a restart replays little); input without output needs none to be
// exact, since replaying it rebuilds the same state.
import { setTimeout as delay } from "node:timers/promises";
import { encodeBatch, ReadCommittedFilter, readNextOffset, type EncodedBatch } from "../core/index.ts";
import type { PipelineConfig } from "../config/pipelines.ts";
import type { Log } from "../log/index.ts";
import type { Logger } from "../logger.ts";
import type { PipelineCounters } from "./metrics.ts";
import { WindowEngine, type EngineCheckpoint, type EngineOutputs, type OutRecord } from "./window-engine.ts";

/** Source bytes read per partition per step. */
const STEP_BYTES_PER_PARTITION = 1 << 20;
const CHECKPOINT_INTERVAL_MS = 1000;
/**
 * At the end of its source, a pipeline folds at most this often. A window's result waits for its
 * end plus grace anyway; folding each group commit's few records as it lands costs several times
 * the CPU per event in a busy ledge, because every step finds the kernel's working set (key and
 * window caches, accumulators, sketches) evicted by everything else ledge did meanwhile. A
 * backlog is read without pause.
 */
const TAIL_STEP_INTERVAL_MS = 100;
const WAIT_MS = 1000;
const RETRY_MS = 1000;
const CHECKPOINT_VERSION = 1;
/** Output batches stay well under a topic's default max.message.bytes (1 MiB). */
const OUTPUT_BATCH_BYTES_MAX = 256 * 1024;

/** What a checkpoint stores (msgpack in the log's meta table). */
interface Checkpoint {
  v: number;
  /** [source partition, next offset to read]. */
  offsets: Array<[number, number]>;
  /** The window type whose state `engine` holds (absent in checkpoints of tumbling/hopping written before other types existed). */
  window?: string;
  engine: EngineCheckpoint;
}

export function checkpointName(pipeline: string): string {
  return `pipeline/${pipeline}`;
}

export class Pipeline {
  readonly config: PipelineConfig;
  readonly #log: Log;
  readonly #logger: Logger;
  readonly #counters: PipelineCounters;
  readonly #engine: WindowEngine;
  readonly #offsets = new Map<number, number>();
  readonly #abort = new AbortController();
  #into = new Uint8Array(STEP_BYTES_PER_PARTITION * 2);
  #running: Promise<void> | null = null;
  #lastCheckpointMs = 0;
  /** A partition started at `latest`: checkpoint that position at once, or a restart would skip ahead again. */
  #mustCheckpoint = false;
  #reported = { events: 0, windowsEmitted: 0, late: 0, dlq: 0 };

  constructor(config: PipelineConfig, log: Log, logger: Logger, counters: PipelineCounters) {
    this.config = config;
    this.#log = log;
    this.#logger = logger;
    this.#counters = counters;
    this.#engine = new WindowEngine(config);
  }

  get lateTopic(): string {
    return `${this.config.name}.late`;
  }

  get dlqTopic(): string {
    return `${this.config.name}.dlq`;
  }

  /**
   * Creates the output topics if missing (as many partitions as the source, so that source
   * partition p writes to output partition p), restores the checkpoint, and starts the loop.
   */
  async start(): Promise<void> {
    const partitions = this.#log.describeTopic(this.config.from)?.partitions ?? 1;
    for (const topic of [this.config.to, this.lateTopic, this.dlqTopic]) {
      if (!this.#log.describeTopic(topic)) await this.#log.createTopic(topic, partitions).catch((err: Error & { code?: string }) => {
        if (err.code !== "LEDGE_ERR_TOPIC_EXISTS") throw err;
      });
    }
    const saved = this.#log.readCheckpoint(checkpointName(this.config.name)) as Checkpoint | undefined;
    if (saved !== undefined) {
      if (saved.v !== CHECKPOINT_VERSION) throw new Error(`pipeline ${this.config.name}: checkpoint version ${saved.v} is not ${CHECKPOINT_VERSION}; remove the pipeline's state to start over`);
      const type = this.config.window.type;
      const fits = saved.window === undefined ? type === "tumbling" || type === "hopping" : saved.window === type;
      if (!fits) {
        throw new Error(`pipeline ${this.config.name}: its checkpoint holds ${saved.window ?? "tumbling or hopping"} windows, but the config asks for ${type} windows; give the pipeline a new name to start it afresh, or ask for ${saved.window ?? "tumbling"} windows again`);
      }
      for (const [p, next] of saved.offsets) this.#offsets.set(p, next);
      const e = saved.engine;
      // msgpack reads Uint8Arrays back as Buffers over a shared pool: copy them out.
      this.#engine.restore({
        partitions: e.partitions,
        windows: e.windows.map(([p, s, k, b, last]) => [p, s, new Uint8Array(k), new Uint8Array(b), last]),
        series: e.series?.map(([p, k, records, ends]) => [p, new Uint8Array(k), new Uint8Array(records), new Uint8Array(ends)]),
      });
      this.#logger.info(`resumed from its checkpoint (${saved.engine.windows.length} open windows)`);
    }
    this.#running = this.#loop();
  }

  /** Stops after the current step; what was written stays consistent with the checkpoint. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#running;
    this.#engine.close();
  }

  get watermarkMs(): number {
    return this.#engine.watermarkMs;
  }

  async #loop(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const partitions = this.#partitions();
        if (partitions === 0) {
          await sleep(WAIT_MS, signal);
          continue;
        }
        const startedMs = Date.now();
        const consumed = this.#step(partitions);
        await this.#commitIfDue(consumed);
        this.#report();
        if (!consumed) await this.#waitForData(partitions, signal);
        else if (this.#atEnd(partitions)) await sleep(startedMs + TAIL_STEP_INTERVAL_MS - Date.now(), signal);
        // A macrotask between steps: other work runs, and LMDB's read snapshot (renewed per
        // macrotask) catches up with a high watermark that just moved (else a read finds nothing
        // while the wait says data is there, and the loop would spin on microtasks).
        await new Promise((resolve) => setImmediate(resolve));
      } catch (err) {
        if (signal.aborted) break;
        this.#logger.error(`${(err as Error).message}; retrying in ${RETRY_MS} ms`);
        await sleep(RETRY_MS, signal);
      }
    }
  }

  /** The source's partition count; 0 while the topic does not exist. */
  #partitions(): number {
    const topic = this.#log.describeTopic(this.config.from);
    if (!topic) return 0;
    for (let p = 0; p < topic.partitions; p++) {
      if (this.#offsets.has(p)) continue;
      const state = this.#log.partitionState(this.config.from, p);
      this.#offsets.set(p, this.config.start === "latest" ? state.lastStableOffset ?? state.highWatermark : state.logStartOffset);
      if (this.config.start === "latest") this.#mustCheckpoint = true;
    }
    return topic.partitions;
  }

  /** Reads and folds one step of every partition; true when any batch was read. */
  #step(partitions: number): boolean {
    let consumed = false;
    for (let p = 0; p < partitions; p++) {
      let offset = this.#offsets.get(p)!;
      const read = this.#log.readCommitted(this.config.from, p, offset, STEP_BYTES_PER_PARTITION, this.#into);
      if (offset < read.logStartOffset) offset = read.logStartOffset;
      const filter = new ReadCommittedFilter(read.abortedTransactions);
      for (const batch of read.batches) {
        const next = readNextOffset(batch);
        if (next <= offset) continue;
        if (filter.visible(batch)) {
          this.#engine.processBatch(p, batch);
          // Closing as soon as the watermark allows keeps few windows (and sketches) open.
          this.#engine.closeDue();
        }
        offset = next;
        consumed = true;
      }
      this.#offsets.set(p, offset);
    }
    return consumed;
  }

  /** Every partition read up to its last stable offset. */
  #atEnd(partitions: number): boolean {
    for (let p = 0; p < partitions; p++) {
      if (this.#offsets.get(p)! < this.#log.partitionState(this.config.from, p).lastStableOffset) return false;
    }
    return true;
  }

  async #commitIfDue(consumed: boolean): Promise<void> {
    const out = this.#engine.take();
    const outputs = out.results.length + out.late.length + out.dlq.length;
    const now = Date.now();
    if (outputs === 0 && !this.#mustCheckpoint && !(consumed && now - this.#lastCheckpointMs >= CHECKPOINT_INTERVAL_MS)) return;
    const batches = this.#batches(out);
    const checkpoint: Checkpoint = { v: CHECKPOINT_VERSION, offsets: [...this.#offsets], window: this.config.window.type, engine: this.#engine.checkpoint() };
    // The engine has moved on: this exact write must land before anything else (retried as is).
    for (;;) {
      try {
        await this.#log.appendWithCheckpoint(batches, checkpointName(this.config.name), checkpoint);
        break;
      } catch (err) {
        if (this.#abort.signal.aborted) throw err;
        this.#logger.error(`writing ${outputs} output records and the checkpoint failed (${(err as Error).message}); retrying in ${RETRY_MS} ms`);
        await sleep(RETRY_MS, this.#abort.signal);
      }
    }
    this.#lastCheckpointMs = now;
    this.#mustCheckpoint = false;
  }

  #batches(out: EngineOutputs): Array<{ topic: string; partition: number; batch: EncodedBatch }> {
    const batches: Array<{ topic: string; partition: number; batch: EncodedBatch }> = [];
    for (const [topic, records] of [[this.config.to, out.results], [this.lateTopic, out.late], [this.dlqTopic, out.dlq]] as const) {
      if (records.length === 0) continue;
      const partitions = this.#log.describeTopic(topic)?.partitions ?? 1;
      const byPartition = new Map<number, OutRecord[]>();
      for (const r of records) {
        const p = r.partition % partitions;
        let list = byPartition.get(p);
        if (!list) byPartition.set(p, (list = []));
        list.push(r);
      }
      for (const [partition, list] of byPartition) {
        for (const chunk of chunks(list)) batches.push({ topic, partition, batch: encodeBatch(chunk) });
      }
    }
    return batches;
  }

  async #waitForData(partitions: number, signal: AbortSignal): Promise<void> {
    const wants = Array.from({ length: partitions }, (_, partition) => ({ topic: this.config.from, partition, offset: this.#offsets.get(partition)! }));
    await this.#log.waitForAnyStable(wants, WAIT_MS, signal).catch(() => false);
  }

  #report(): void {
    const c = this.#engine.counts;
    const r = this.#reported;
    this.#counters.events.inc(c.events - r.events);
    this.#counters.windowsEmitted.inc(c.windowsEmitted - r.windowsEmitted);
    this.#counters.late.inc(c.late - r.late);
    this.#counters.dlq.inc(c.dlq - r.dlq);
    this.#reported = { ...c };
    const watermark = this.#engine.watermarkMs;
    this.#counters.watermarkLagMs.set(Number.isFinite(watermark) ? Math.max(0, Date.now() - watermark) : 0);
    this.#counters.openWindows.set(this.#engine.openWindowCount);
  }
}

/** Runs of records whose keys and values add up to at most OUTPUT_BATCH_BYTES_MAX (at least one each). */
function* chunks(records: OutRecord[]): Iterable<OutRecord[]> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const size = 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.headers?.reduce((n, h) => n + h.key.length + (h.value?.length ?? 0), 0) ?? 0);
    if (i > start && bytes + size > OUTPUT_BATCH_BYTES_MAX) {
      yield records.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < records.length) yield records.slice(start);
}

/** Waits `ms`, or less if `signal` aborts first (never rejects). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
