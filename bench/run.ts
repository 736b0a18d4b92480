// `npm run bench -- NAME [--json]`: runs bench/NAME.ts, whose default export returns results.
import { readdirSync } from "node:fs";
import { printResults, type BenchResult } from "./lib/report.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const names = args.filter((a) => !a.startsWith("--"));
const available = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.slice(0, -3));

if (names.length === 0 || names.some((n) => !available.includes(n))) {
  process.stderr.write(`usage: npm run bench -- NAME [--json]\nbenchmarks: ${available.join(", ") || "(none yet)"}\n`);
  process.exit(names.length === 0 ? 0 : 2);
}

const results: BenchResult[] = [];
for (const name of names) {
  const mod = (await import(`./${name}.ts`)) as { default: (args: string[]) => Promise<BenchResult[]> };
  results.push(...(await mod.default(args)));
}
printResults(results, json);
