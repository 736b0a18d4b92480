// `ledge bench NAME [flags]`: runs a benchmark of bench/ (what `npm run bench -- NAME` runs), its
// flags passed through. bench/ and the dev dependencies it imports (the peers it compares ledge
// with: aedes, kafkajs, ...) come with a development install only; without them this says what
// is missing and how to get it, instead of failing on an import.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const benchUsage = "ledge bench NAME [flags]                   runs bench/NAME.ts (npm run bench -- NAME); flags go to the benchmark, e.g. --json";

/** The project folder: bin/ holds this file when run from source, dist/bin/ when bundled. */
function projectRoot(): string {
  for (const up of ["../", "../../"]) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin", "ledge"))) return dir;
  }
  return fileURLToPath(new URL("../", import.meta.url));
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);
}

/** Dev dependencies bench/ imports that are not installed. */
function missingDevDependencies(root: string): string[] {
  const devDependencies = Object.keys((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies?: Record<string, string> }).devDependencies ?? {});
  const imported = new Set<string>();
  for (const file of sources(join(root, "bench"))) {
    for (const m of readFileSync(file, "utf8").matchAll(/(?:from\s+|require\(\s*|import\(\s*)["']([^"'./][^"']*)["']/g)) {
      const spec = m[1];
      imported.add(spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]);
    }
  }
  return devDependencies.filter((name) => imported.has(name) && !existsSync(join(root, "node_modules", name, "package.json")));
}

function benchmarks(root: string): string[] {
  return readdirSync(join(root, "bench")).filter((f) => f.endsWith(".ts") && f !== "run.ts").map((f) => f.slice(0, -3)).sort();
}

/** Exit 0 the benchmark ran (or --help), 1 it failed, 2 a usage mistake or no bench/ to run. */
export async function benchCommand(args: string[]): Promise<number> {
  const root = projectRoot();
  const help = args.length === 0 || args.includes("--help") || args.includes("-h");
  if (!existsSync(join(root, "bench", "run.ts"))) {
    process.stderr.write(`ledge bench: no bench/ folder in ${root}: benchmarks come with the source tree (git clone, then npm install), not with an installed package\n`);
    return help ? 0 : 2;
  }
  const available = benchmarks(root);
  if (help) {
    process.stdout.write(`usage: ${benchUsage}\nbenchmarks: ${available.join(", ")}\n(each prints a table: ledge and what it is compared with, measured in the same run)\n`);
    return 0;
  }
  const name = args[0];
  if (!available.includes(name)) {
    process.stderr.write(`ledge bench: no benchmark '${name}'; benchmarks: ${available.join(", ")}\n`);
    return 2;
  }
  const missing = missingDevDependencies(root);
  if (missing.length > 0) {
    process.stderr.write(`ledge bench: bench/ needs the dev dependencies ${missing.join(", ")}, which are not installed (an install with --omit=dev?): run npm install in ${root}\n`);
    return 2;
  }
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "bench", "run.ts"), ...args], { cwd: root, stdio: "inherit" });
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}
