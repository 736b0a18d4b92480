// How many topics Kafka Metadata requests may auto-create: log.autoCreateTopicCountPerMinuteMax
// for all clients together (a token bucket that refills evenly over the minute). One request's
// share (log.autoCreateTopicCountPerRequestMax) is counted by the Metadata handler itself.
const minuteMs = 60_000;

export class AutoCreateBudget {
  readonly #perMinuteMax: number;
  #tokens: number;
  #refilledAtMs = Date.now();

  constructor(perMinuteMax: number) {
    this.#perMinuteMax = perMinuteMax;
    this.#tokens = perMinuteMax;
  }

  /** True, and one creation is spent, when the minute's budget has room. */
  take(nowMs = Date.now()): boolean {
    const elapsedMs = Math.max(0, nowMs - this.#refilledAtMs);
    this.#tokens = Math.min(this.#perMinuteMax, this.#tokens + (elapsedMs * this.#perMinuteMax) / minuteMs);
    this.#refilledAtMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
