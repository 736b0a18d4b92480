// The one result shape every benchmark prints: a table for people, `--json` for scripts.
// {"results":[{"name","unit","ledge","baseline","baselineName","ratio","target"}]}

export interface BenchResult {
  name: string;
  unit: string;
  ledge: number;
  baseline: number;
  baselineName: string;
  /** ledge / baseline for rates (higher is better). */
  ratio: number;
  /** The ratio the issue asks for, or null where none is set yet. */
  target: number | null;
  /** Free-form facts worth printing beside the numbers (p99, RSS, generator rate…). */
  notes?: string;
}

export function result(r: Omit<BenchResult, "ratio">): BenchResult {
  return { ...r, ratio: r.baseline > 0 ? r.ledge / r.baseline : Number.NaN };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(2);
}

export function printResults(results: BenchResult[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ results })}\n`);
    return;
  }
  const rows = results.map((r) => [
    r.name, r.unit, fmt(r.ledge), `${fmt(r.baseline)} (${r.baselineName})`, fmt(r.ratio),
    r.target === null ? "-" : `>= ${r.target}${r.ratio >= r.target ? " ok" : " MISSED"}`, r.notes ?? "",
  ]);
  const header = ["name", "unit", "ledge", "baseline", "ratio", "target", "notes"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const row of rows) process.stdout.write(`${line(row)}\n`);
}

/** Progress for people goes to stderr, so `--json` stdout stays one document. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Median of a few timed runs of `fn`, each returning units done; returns units per second. */
export function medianRate(runs: number, fn: () => number): number {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const units = fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(units / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}

/** Async twin of medianRate. */
export async function medianRateAsync(runs: number, fn: () => Promise<number>): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const units = await fn();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(units / seconds);
  }
  rates.sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)];
}
