// Counters, gauges and histograms that every part keeps from the start; gateways/http serves
// them as Prometheus text at /metrics. Plain objects: incrementing is a field add, no allocation.

export interface Counter { readonly name: string; readonly help: string; value: number; inc(by?: number): void }
export interface Gauge { readonly name: string; readonly help: string; value: number; set(v: number): void }
export interface Histogram {
  readonly name: string;
  readonly help: string;
  /** Upper bounds of the buckets, ascending; counts has one more slot for +Inf. */
  readonly bounds: number[];
  readonly counts: number[];
  sum: number;
  count: number;
  observe(v: number): void;
}

export class Metrics {
  readonly counters = new Map<string, Counter>();
  readonly gauges = new Map<string, Gauge>();
  readonly histograms = new Map<string, Histogram>();

  counter(name: string, help: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      c = { name, help, value: 0, inc(by = 1) { this.value += by; } };
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string, help: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      g = { name, help, value: 0, set(v) { this.value = v; } };
      this.gauges.set(name, g);
    }
    return g;
  }

  histogram(name: string, help: string, bounds: number[]): Histogram {
    let h = this.histograms.get(name);
    if (!h) {
      const counts = new Array<number>(bounds.length + 1).fill(0);
      h = {
        name, help, bounds, counts, sum: 0, count: 0,
        observe(v) {
          let i = 0;
          while (i < bounds.length && v > bounds[i]) i++;
          counts[i]++;
          this.sum += v;
          this.count++;
        },
      };
      this.histograms.set(name, h);
    }
    return h;
  }

  /** Prometheus text exposition format. */
  toPrometheus(): string {
    const out: string[] = [];
    for (const c of this.counters.values()) out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`, `${c.name} ${c.value}`);
    for (const g of this.gauges.values()) out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${g.value}`);
    for (const h of this.histograms.values()) {
      out.push(`# HELP ${h.name} ${h.help}`, `# TYPE ${h.name} histogram`);
      let cumulative = 0;
      h.bounds.forEach((b, i) => {
        cumulative += h.counts[i];
        out.push(`${h.name}_bucket{le="${b}"} ${cumulative}`);
      });
      out.push(`${h.name}_bucket{le="+Inf"} ${h.count}`, `${h.name}_sum ${h.sum}`, `${h.name}_count ${h.count}`);
    }
    return `${out.join("\n")}\n`;
  }
}
