import { describe, it, expect } from "vitest";
import { Metrics } from "../../runtime/metrics/index.ts";
import { watchProcess } from "../../runtime/metrics/process.ts";

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

  it("labelled gauge series sit beside the unlabelled value under one HELP/TYPE, label values escaped", () => {
    const m = new Metrics();
    const g = m.gauge("ledge_lag", "Lag");
    g.set(5);
    g.with({ topic: "a", partition: "0" }).set(2);
    g.with({ topic: "a", partition: "0" }).set(3);
    g.with({ topic: 'q"b\\c\n', partition: "1" }).set(2);
    const lines = m.toPrometheus().split("\n");
    expect(lines.filter((l) => l.startsWith("# TYPE ledge_lag "))).toEqual(["# TYPE ledge_lag gauge"]);
    expect(lines).toContain("ledge_lag 5");
    expect(lines).toContain('ledge_lag{topic="a",partition="0"} 3');
    expect(lines).toContain('ledge_lag{topic="q\\"b\\\\c\\n",partition="1"} 2');
    g.without({ topic: "a", partition: "0" });
    expect(m.toPrometheus()).not.toContain('topic="a"');
    expect(m.toPrometheus()).toContain("ledge_lag 5");
  });

  it("labelled counter series sit beside the unlabelled value under one HELP/TYPE", () => {
    const m = new Metrics();
    const c = m.counter("ledge_in_total", "In");
    c.inc(2);
    const a = c.with({ link: "a" });
    a.inc();
    a.inc(4);
    c.with({ link: 'b"' }).inc();
    const lines = m.toPrometheus().split("\n");
    expect(lines.filter((l) => l.startsWith("# TYPE ledge_in_total "))).toEqual(["# TYPE ledge_in_total counter"]);
    expect(lines).toContain("ledge_in_total 2");
    expect(lines).toContain('ledge_in_total{link="a"} 5');
    expect(lines).toContain('ledge_in_total{link="b\\""} 1');
    expect(c.with({ link: "a" })).toBe(a);
  });

  it("refreshes read-at-scrape values first: process memory, and event-loop lag that a blocked loop shows", async () => {
    const m = new Metrics();
    const w = watchProcess(m);
    try {
      await new Promise((r) => setTimeout(r, 100));
      const until = Date.now() + 250;
      while (Date.now() < until); // a handler that blocks the loop for 250 ms
      await new Promise((r) => setTimeout(r, 50));
      const text = m.toPrometheus();
      expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(10 * 2 ** 20);
      expect(Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text)?.[1])).toBeGreaterThan(0.15);
      await new Promise((r) => setTimeout(r, 100));
      // Reset at each scrape: the next one sees a loop that did not block.
      expect(Number(/^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(m.toPrometheus())?.[1])).toBeLessThan(0.15);
    } finally {
      w.stop();
    }
  });
});
