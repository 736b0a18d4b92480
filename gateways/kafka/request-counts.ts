// ledge_kafka_requests_total per {api, error}: each answered request under its API's name and the
// first error code its response carries (NONE when every part succeeded). Bounded: the APIs
// ledge serves times the error codes of runtime/kafka/errors.ts (unknown codes share one name).
import type { Counter, CounterSeries, Metrics } from "../../runtime/metrics/index.ts";
import { errorInfo } from "../../runtime/kafka/errors.ts";

/** Levels searched for an error code: the response, its topics, their partitions (lists are free). */
const ERROR_DEPTH_MAX = 3;

/** The first non-zero `errorCode` in a decoded response body, 0 when none. Record bytes are skipped. */
export function firstErrorCode(body: unknown, depth = 0): number {
  if (typeof body !== "object" || body === null || ArrayBuffer.isView(body)) return 0;
  if (Array.isArray(body)) {
    for (const item of body) {
      const code = firstErrorCode(item, depth);
      if (code !== 0) return code;
    }
    return 0;
  }
  const own = (body as { errorCode?: unknown }).errorCode;
  if (typeof own === "number" && own !== 0) return own;
  if (depth >= ERROR_DEPTH_MAX) return 0;
  // for...in, not Object.values: no array per object (this runs for every answered request).
  for (const key in body) {
    const value = (body as Record<string, unknown>)[key];
    if (typeof value !== "object" || value === null) continue;
    const code = firstErrorCode(value, depth + 1);
    if (code !== 0) return code;
  }
  return 0;
}

export class RequestCounts {
  readonly #total: Counter;
  /** apiKey → error code → series (label text is rendered once per pair). */
  readonly #series = new Map<number, Map<number, CounterSeries>>();

  constructor(metrics: Metrics) {
    this.#total = metrics.counter("ledge_kafka_requests_total", "Kafka requests read: unlabelled all of them; per {api, error} those answered, error = the first error code in the answer (NONE: no error)");
  }

  /** A request was read (answered or not). */
  read(): void {
    this.#total.inc();
  }

  /** A request of `api` (apiKey `apiKey`) was answered with `body`. */
  answered(apiKey: number, api: string, body: unknown): void {
    const code = firstErrorCode(body);
    let byCode = this.#series.get(apiKey);
    if (!byCode) this.#series.set(apiKey, (byCode = new Map()));
    let s = byCode.get(code);
    if (!s) byCode.set(code, (s = this.#total.with({ api, error: errorInfo(code).name })));
    s.inc();
  }
}
