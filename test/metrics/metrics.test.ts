import { describe, it, expect } from "vitest";
import { Metrics } from "../../runtime/metrics/index.ts";

describe("metrics", () => {
  it("counts, gauges and buckets into Prometheus text", () => {
    const m = new Metrics();
    m.counter("ledge_appends_total", "Batches appended").inc(3);
    m.counter("ledge_appends_total", "Batches appended").inc();
    m.gauge("ledge_connections", "Open connections").set(7);
    const h = m.histogram("ledge_ack_ms", "Ack latency", [1, 10]);
    h.observe(0.5);
    h.observe(5);
    h.observe(50);
    const text = m.toPrometheus();
    expect(text).toContain("ledge_appends_total 4");
    expect(text).toContain("ledge_connections 7");
    expect(text).toContain('ledge_ack_ms_bucket{le="1"} 1');
    expect(text).toContain('ledge_ack_ms_bucket{le="10"} 2');
    expect(text).toContain('ledge_ack_ms_bucket{le="+Inf"} 3');
    expect(text).toContain("ledge_ack_ms_sum 55.5");
  });
});
