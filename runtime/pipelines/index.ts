// runtime/pipelines: window aggregation pipelines over the log (README.md). The set of running
// pipelines: started from the config, added and removed at run time.
import { ConfigError } from "../config/errors.ts";
import { readPipelineConfig, type PipelineConfig } from "../config/pipelines.ts";
import type { Log } from "../log/index.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/index.ts";
import { forgetPipelineGauges, pipelineCounters } from "./metrics.ts";
import { checkpointName, Pipeline } from "./pipeline.ts";

export { WindowEngine, type EngineOutputs, type OutRecord } from "./window-engine.ts";
export { checkpointName } from "./pipeline.ts";

export interface PipelinesOptions {
  log: Log;
  logger: Logger;
  metrics: Metrics;
}

export class Pipelines {
  readonly #o: PipelinesOptions;
  readonly #running = new Map<string, Pipeline>();

  constructor(options: PipelinesOptions) {
    this.#o = options;
  }

  /** Starts the configured pipelines. */
  async startAll(configs: readonly PipelineConfig[]): Promise<void> {
    for (const c of configs) await this.add(c);
  }

  /**
   * Starts a pipeline given as a plain mapping (the config file's form), validated with the same
   * rules and key-path errors (ConfigError). For the admin API (issue #14) and scripts.
   */
  async addMapping(mapping: unknown): Promise<void> {
    return this.add(readPipelineConfig(mapping));
  }

  /** Starts a validated pipeline; it resumes from its checkpoint if it has one. */
  async add(c: PipelineConfig): Promise<void> {
    if (this.#running.has(c.name)) throw new ConfigError("pipeline.name", "a name no running pipeline has", c.name);
    const p = new Pipeline(c, this.#o.log, this.#o.logger.child(`pipeline ${c.name}`), pipelineCounters(this.#o.metrics, c.name));
    this.#running.set(c.name, p);
    try {
      await p.start();
    } catch (err) {
      this.#running.delete(c.name);
      throw err;
    }
  }

  /** Stops a pipeline; with `forgetState` (default) its checkpoint goes too, so adding it again starts afresh. */
  async remove(name: string, options: { forgetState?: boolean } = {}): Promise<boolean> {
    const p = this.#running.get(name);
    if (!p) return false;
    this.#running.delete(name);
    await p.stop();
    if (options.forgetState ?? true) await this.#o.log.removeCheckpoint(checkpointName(name));
    forgetPipelineGauges(this.#o.metrics, name);
    return true;
  }

  /**
   * Runs pipeline `c.name` with config `c` from now on (config reload): the running one stops at
   * a checkpoint and `c` starts. It resumes from that checkpoint when the checkpoint still means
   * the same thing under `c` (checkpointCarriesOver), else starts afresh (`c.start`). Resolves
   * with whether the checkpoint was kept.
   */
  async replace(c: PipelineConfig): Promise<boolean> {
    const running = this.#running.get(c.name);
    const keep = running !== undefined && checkpointCarriesOver(running.config, c);
    await this.remove(c.name, { forgetState: !keep });
    await this.add(c);
    return keep;
  }

  list(): Array<{ name: string; from: string; to: string; watermarkMs: number }> {
    return [...this.#running.values()].map((p) => ({ name: p.config.name, from: p.config.from, to: p.config.to, watermarkMs: p.watermarkMs }));
  }

  /** Stops every pipeline (their checkpoints stay). */
  async close(): Promise<void> {
    const all = [...this.#running.values()];
    this.#running.clear();
    for (const p of all) await p.stop();
  }
}

/** The keys a checkpoint does not depend on: the output topic, where a pipeline without a
 * checkpoint starts, and the bound on open windows. Any other change (source, match, key, time,
 * fields, window, aggregates, format, emit) changes what its offsets and open windows mean. */
const checkpointFreeKeys: ReadonlySet<string> = new Set(["to", "start", "openWindowCountMax"]);

/** Whether a checkpoint written under `before` can be resumed under `after`. */
export function checkpointCarriesOver(before: PipelineConfig, after: PipelineConfig): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const k of keys) {
    if (checkpointFreeKeys.has(k)) continue;
    const a = (before as unknown as Record<string, unknown>)[k];
    const b = (after as unknown as Record<string, unknown>)[k];
    if (JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}
