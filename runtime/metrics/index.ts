// Counters, gauges and histograms that every part keeps from the start; gateways/http serves
// them as Prometheus text at /metrics. Plain objects: incrementing is a field add, no allocation.

/** Label names and values of one series, e.g. { topic: "t", partition: "0" }. */
export type Labels = Readonly<Record<string, string>>;
export interface CounterSeries { value: number; inc(by?: number): void }

/** A counter: its unlabelled value, and labelled series beside it like a Gauge's. */
export interface Counter extends CounterSeries {
  readonly name: string;
  readonly help: string;
  /** Labelled series by their rendered label text. */
  readonly series: Map<string, CounterSeries>;
  /** The series with these labels, created at 0 on first use; keep it (lookups render text). */
  with(labels: Labels): CounterSeries;
  /** Removes the series with these labels (what it counted is gone). */
  without(labels: Labels): void;
}
export interface GaugeSeries { value: number; set(v: number): void }

/**
 * A gauge: its unlabelled value, and labelled series beside it under the same name (one
 * # HELP/# TYPE, the unlabelled line first). Keep the series a caller gets from `with`: looking
 * one up renders its label text.
 */
export interface Gauge extends GaugeSeries {
  readonly name: string;
  readonly help: string;
  /** Labelled series by their rendered label text (`topic="t",partition="0"`). */
  readonly series: Map<string, GaugeSeries>;
  /** The series with these labels, created at 0 on first use. */
  with(labels: Labels): GaugeSeries;
  /** Removes the series with these labels (what it measured is gone). */
  without(labels: Labels): void;
}

/** Prometheus text format: a label value escapes backslash, double quote and line feed. */
function labelText(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",");
}

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
  readonly #beforeScrape: Array<() => void> = [];

  /** Runs `refresh` before every exposition: for values cheaper to read when asked (offsets,
   * lag, process memory) than to keep current on every change. */
  beforeScrape(refresh: () => void): void {
    this.#beforeScrape.push(refresh);
  }

  counter(name: string, help: string): Counter {
    let c = this.counters.get(name);
    if (!c) {
      const series = new Map<string, CounterSeries>();
      c = {
        name, help, value: 0, series,
        inc(by = 1) { this.value += by; },
        with(labels) {
          const key = labelText(labels);
          let s = series.get(key);
          if (!s) {
            s = { value: 0, inc(by = 1) { this.value += by; } };
            series.set(key, s);
          }
          return s;
        },
        without(labels) { series.delete(labelText(labels)); },
      };
      this.counters.set(name, c);
    }
    return c;
  }

  gauge(name: string, help: string): Gauge {
    let g = this.gauges.get(name);
    if (!g) {
      const series = new Map<string, GaugeSeries>();
      g = {
        name, help, value: 0, series,
        set(v) { this.value = v; },
        with(labels) {
          const key = labelText(labels);
          let s = series.get(key);
          if (!s) {
            s = { value: 0, set(v) { this.value = v; } };
            series.set(key, s);
          }
          return s;
        },
        without(labels) { series.delete(labelText(labels)); },
      };
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
    for (const refresh of this.#beforeScrape) refresh();
    const out: string[] = [];
    for (const c of this.counters.values()) {
      out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`, `${c.name} ${c.value}`);
      for (const [labels, s] of c.series) out.push(`${c.name}{${labels}} ${s.value}`);
    }
    for (const g of this.gauges.values()) {
      out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${g.value}`);
      for (const [labels, s] of g.series) out.push(`${g.name}{${labels}} ${s.value}`);
    }
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
