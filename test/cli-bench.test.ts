// `ledge bench`: its help, an unknown name, and an install without bench/ or without the dev
// dependencies bench/ imports (npm install --omit=dev), each refused with what to do. No real
// benchmark runs here (numbers come from bench/, not from tests).
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runLedge } from "./helpers/ledge-process.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const devDependencies = Object.keys(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies as Record<string, string>);
const trees: string[] = [];
afterAll(() => {
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

/** An installed ledge as `npm install --omit=dev` leaves it: the bundle, the launcher, the wasm
 * build, and node_modules without the dev dependencies; bench/ only when asked for. */
function installedTree(withBench: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "ledge-installed-"));
  trees.push(dir);
  cpSync(join(root, "package.json"), join(dir, "package.json"));
  mkdirSync(join(dir, "bin"));
  cpSync(join(root, "bin", "ledge"), join(dir, "bin", "ledge"));
  mkdirSync(join(dir, "dist", "bin"), { recursive: true });
  cpSync(join(root, "dist", "bin", "ledge.js"), join(dir, "dist", "bin", "ledge.js"));
  symlinkSync(join(root, "wasm-core"), join(dir, "wasm-core"));
  if (withBench) symlinkSync(join(root, "bench"), join(dir, "bench"));
  mkdirSync(join(dir, "node_modules"));
  for (const name of readdirSync(join(root, "node_modules"))) {
    if (name.startsWith("@")) {
      mkdirSync(join(dir, "node_modules", name));
      for (const sub of readdirSync(join(root, "node_modules", name))) {
        if (!devDependencies.includes(`${name}/${sub}`)) symlinkSync(join(root, "node_modules", name, sub), join(dir, "node_modules", name, sub));
      }
    } else if (!devDependencies.includes(name)) symlinkSync(join(root, "node_modules", name), join(dir, "node_modules", name));
  }
  return dir;
}

function run(tree: string, args: string[]) {
  return spawnSync(process.execPath, [join(tree, "bin", "ledge"), ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("ledge bench", () => {
  it("--help names every benchmark in bench/", async () => {
    const r = await runLedge(["bench", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: ledge bench NAME \[flags\]/);
    const names = readdirSync(join(root, "bench")).filter((f) => f.endsWith(".ts") && f !== "run.ts").map((f) => f.slice(0, -3));
    expect(names.length).toBeGreaterThan(3);
    expect(r.stdout).toContain(`benchmarks: ${names.sort().join(", ")}`);
  });

  it("an unknown name exits 2 naming the benchmarks there are", async () => {
    const r = await runLedge(["bench", "nosuch"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ledge bench: no benchmark 'nosuch'; benchmarks: bridge, core, .*windows/);
    expect(r.stdout).toBe("");
  });

  it("an install without bench/ says so instead of failing on an import", { timeout: 60_000 }, () => {
    const tree = installedTree(false);
    const r = run(tree, ["bench", "mqtt"]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/ledge bench: no bench\/ folder in .*: benchmarks come with the source tree/);
    // The rest of the installed ledge works there.
    expect(run(tree, ["--help"]).status).toBe(0);
  });

  it("an install with --omit=dev names the dev dependencies bench/ needs", { timeout: 60_000 }, () => {
    const r = run(installedTree(true), ["bench", "mqtt", "--json"]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/ledge bench: bench\/ needs the dev dependencies .*aedes.*kafkajs.*, which are not installed \(an install with --omit=dev\?\): run npm install in /);
    expect(r.stdout).toBe("");
  });
});
