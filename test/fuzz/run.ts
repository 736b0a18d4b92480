// `npm run fuzz -- NAME|all [--runs N] [--seed S]`: runs fuzz targets (test/fuzz/targets.ts) and
// prints one line per target: runs, time, slowest input, outcome counts. A failure prints
// fast-check's shrunk counterexample and the seed and path to replay it, and exits 1; keep the
// input as a seed in test/fixtures/fuzz once fixed. `npm run fuzz -- list` names the targets.
import { parseArgs } from "node:util";
import { fuzzTargets } from "./targets.ts";
import { fuzzTarget } from "./property.ts";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: "string" }, seed: { type: "string" } } });
const name = positionals[0] ?? "list";
if (name === "list") {
  for (const t of fuzzTargets) console.log(`${t.name.padEnd(18)} ${t.about}`);
  process.exit(0);
}
const chosen = name === "all" ? fuzzTargets : fuzzTargets.filter((t) => t.name === name);
if (chosen.length === 0) {
  console.error(`no fuzz target '${name}'; one of: all, ${fuzzTargets.map((t) => t.name).join(", ")}`);
  process.exit(2);
}
const runs = Number(values.runs ?? 10_000);
const seed = Number(values.seed ?? Date.now() % 2 ** 31);
let failed = false;
for (const target of chosen) {
  try {
    const r = fuzzTarget(target, { runs, seed });
    console.log(`${r.target.padEnd(18)} ${r.runs} runs  seed ${r.seed}  ${(r.elapsedMs / 1000).toFixed(1)} s  slowest input ${r.slowestInputMs} ms  ${JSON.stringify(r.outcomes)}`);
  } catch (err) {
    failed = true;
    const cause = (err as Error).cause as Error | undefined;
    console.error(`${target.name}: FAILED (seed ${seed})\n${(err as Error).message}${cause ? `\ncause: ${cause.stack ?? cause}` : ""}`);
  }
}
process.exit(failed ? 1 : 0);
