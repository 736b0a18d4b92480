// Waiting reads: a reader parks until the high watermark passes its offset, a timeout fires,
// its signal aborts, or the topic is deleted. Woken by the commit path, never by polling.
// Readers come from the network (Kafka long polls), so a partition parks at most
// log.waiterCountPerPartitionMax of them; one more is refused at once (LEDGE_ERR_TOO_MANY_WAITERS)
// and its caller answers without waiting, rather than the set growing.
import { LogError } from "./errors.ts";

/** The abort reason for a wait called off because another wait (for another partition) won the
 * race. AbortController.abort() without a reason builds a DOMException, stack and all, on each
 * call: on the paths that race one wait per partition, per poll, that was a measurable cost. */
export const waitCalledOff: Error = Object.freeze(new Error("the wait was called off: another partition's data came first"));

interface Waiter {
  offset: number;
  settle(result: boolean | Error): void;
}

/** A partition's waiters and the offset past which its data is news to the caller. */
export interface Want {
  waiters: PartitionWaiters;
  offset: number;
}

export class PartitionWaiters {
  readonly #waiters = new Set<Waiter>();
  readonly #countMax: number;
  readonly #where: string;

  constructor(countMax: number, where: string) {
    this.#countMax = countMax;
    this.#where = where;
  }

  get size(): number {
    return this.#waiters.size;
  }

  wait(offset: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return waitForAny([{ waiters: this, offset }], timeoutMs, signal);
  }

  /** LEDGE_ERR_TOO_MANY_WAITERS when one more reader may not park here, else null. */
  refusal(): LogError | null {
    if (this.#waiters.size < this.#countMax) return null;
    return new LogError("LEDGE_ERR_TOO_MANY_WAITERS", `${this.#where} already has ${this.#waiters.size} readers waiting for data (log.waiterCountPerPartitionMax)`);
  }

  park(waiter: Waiter): void {
    this.#waiters.add(waiter);
  }

  unpark(waiter: Waiter): void {
    this.#waiters.delete(waiter);
  }

  /** Wakes every reader waiting below the new high watermark. */
  advance(highWatermark: number): void {
    if (this.#waiters.size === 0) return;
    for (const w of [...this.#waiters]) if (w.offset < highWatermark) w.settle(true);
  }

  failAll(error: Error): void {
    for (const w of [...this.#waiters]) w.settle(error);
  }
}

/**
 * True once any of `wants` has its high watermark past its offset; false when timeoutMs passes
 * or `signal` aborts; rejected when a partition refuses one more reader or its topic is deleted.
 * One promise and one timer for all the partitions: racing a wait per partition, each called off
 * through an AbortController, cost the bridge and the pipelines ~50 µs per wake-up.
 */
export function waitForAny(wants: readonly Want[], timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  for (const { waiters } of wants) {
    const refused = waiters.refusal();
    if (refused) return Promise.reject(refused);
  }
  return new Promise<boolean>((resolve, reject) => {
    let done = false;
    const settle = (result: boolean | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      for (let i = 0; i < wants.length; i++) wants[i].waiters.unpark(parked[i]);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = () => settle(false);
    const timer = setTimeout(settle, Math.max(0, timeoutMs), false);
    const parked: Waiter[] = wants.map(({ waiters, offset }) => {
      const waiter = { offset, settle };
      waiters.park(waiter);
      return waiter;
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
