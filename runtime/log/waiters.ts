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
    if (signal?.aborted) return Promise.resolve(false);
    if (this.#waiters.size >= this.#countMax) {
      return Promise.reject(new LogError("LEDGE_ERR_TOO_MANY_WAITERS", `${this.#where} already has ${this.#waiters.size} readers waiting for data (log.waiterCountPerPartitionMax)`));
    }
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = () => waiter.settle(false);
      const timer = setTimeout(() => waiter.settle(false), Math.max(0, timeoutMs));
      const waiter: Waiter = {
        offset,
        settle: (result) => {
          if (!this.#waiters.delete(waiter)) return;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          if (result instanceof Error) reject(result);
          else resolve(result);
        },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
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
