// The metrics each pipeline reports at /metrics, labelled { pipeline: name }.
import type { CounterSeries, GaugeSeries, Metrics } from "../metrics/index.ts";

export interface PipelineCounters {
  events: CounterSeries;
  windowsEmitted: CounterSeries;
  late: CounterSeries;
  dlq: CounterSeries;
  watermarkLagMs: GaugeSeries;
  openWindows: GaugeSeries;
}

export function pipelineCounters(metrics: Metrics, name: string): PipelineCounters {
  const labels = { pipeline: name };
  return {
    events: metrics.counter("ledge_pipeline_events_total", "Records a pipeline folded into windows").with(labels),
    windowsEmitted: metrics.counter("ledge_pipeline_windows_emitted_total", "Window results a pipeline wrote to its output topic").with(labels),
    late: metrics.counter("ledge_pipeline_late_total", "Records a pipeline sent to <name>.late (their windows had closed)").with(labels),
    dlq: metrics.counter("ledge_pipeline_dlq_total", "Records a pipeline sent to <name>.dlq (not JSON, or lacking the key, time or a field)").with(labels),
    watermarkLagMs: metrics.gauge("ledge_pipeline_watermark_lag_ms", "Wall clock minus the pipeline's watermark (ms); 0 before any record").with(labels),
    openWindows: metrics.gauge("ledge_pipeline_open_windows", "Windows a pipeline holds open (one per window and key)").with(labels),
  };
}

/** Drops a removed pipeline's gauges (its counters stay, as Prometheus counters do). */
export function forgetPipelineGauges(metrics: Metrics, name: string): void {
  metrics.gauge("ledge_pipeline_watermark_lag_ms", "").without({ pipeline: name });
  metrics.gauge("ledge_pipeline_open_windows", "").without({ pipeline: name });
}
