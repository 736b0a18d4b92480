// The process's own gauges, read at each scrape: resident memory, and event-loop lag (how late
// timers and I/O callbacks run: the first sign of a handler that blocks).
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Metrics } from "./index.ts";

/** Event-loop delay is sampled every this many ms. */
const LOOP_RESOLUTION_MS = 20;

export function watchProcess(metrics: Metrics): { stop(): void } {
  const rss = metrics.gauge("process_resident_memory_bytes", "Resident memory of the ledge process in bytes");
  const lag = metrics.gauge("nodejs_eventloop_lag_seconds", "Event-loop delay, 99th percentile since the previous scrape, in seconds");
  const lagMax = metrics.gauge("nodejs_eventloop_lag_max_seconds", "Longest event-loop delay since the previous scrape, in seconds");
  const delay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  delay.enable();
  metrics.beforeScrape(() => {
    rss.set(process.memoryUsage.rss());
    // The histogram counts the resolution itself in every sample: report only what is beyond it.
    const beyond = (ns: number) => Math.max(0, ns / 1e9 - LOOP_RESOLUTION_MS / 1000);
    lag.set(delay.count > 0 ? beyond(delay.percentile(99)) : 0);
    lagMax.set(delay.count > 0 ? beyond(delay.max) : 0);
    delay.reset();
  });
  return { stop: () => delay.disable() };
}
