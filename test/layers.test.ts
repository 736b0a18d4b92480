// DESIGN.md's rules of the house, checked on every import: runtime/ never reaches up into
// gateways/, bridge/ or bin/; gateways never import each other; only runtime/log opens LMDB;
// the folders of runtime/ form no cycle (imports between rooms point one way).
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports, resolved to a repo-relative path for relative ones. */
function imports(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^"'\n;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)]
    .map((m) => m[1] ?? m[2]);
  return specs.map((s) => (s.startsWith(".") ? relative(root, resolve(root, dirname(file), s)) : s));
}

const room = (path: string) => path.split("/").slice(0, path.startsWith("gateways/") ? 2 : 1).join("/");

/** runtime/<folder> (or a file directly in runtime/) that a runtime path belongs to. */
const runtimeRoom = (path: string) => path.split("/").slice(0, 2).join("/");

/** Every cycle of rooms, each as "a -> b -> ... -> a" with one file import per arrow. */
function roomCycles(edges: Map<string, Map<string, string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (r: string): void => {
    state.set(r, "open");
    path.push(r);
    for (const next of [...(edges.get(r)?.keys() ?? [])].sort()) {
      if (state.get(next) === "open") {
        const loop = [...path.slice(path.indexOf(next)), next];
        cycles.push(loop.slice(1).map((to, i) => `${loop[i]} -> ${to} (${edges.get(loop[i])!.get(to)})`).join(", "));
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    path.pop();
    state.set(r, "done");
  };
  for (const r of [...edges.keys()].sort()) if (!state.has(r)) visit(r);
  return cycles;
}

describe("layers (DESIGN.md: imports only point down)", () => {
  const files = ["runtime", "gateways", "bridge"].flatMap((d) => {
    try { return sources(d); } catch { return []; }
  });

  it("finds the sources it checks", () => {
    expect(files.filter((f) => f.startsWith("runtime/")).length).toBeGreaterThan(20);
    expect(files.filter((f) => f.startsWith("gateways/")).length).toBeGreaterThan(20);
  });

  it("runtime/ imports nothing from gateways/, bridge/ or bin/", () => {
    const bad = files.filter((f) => f.startsWith("runtime/"))
      .flatMap((f) => imports(f).filter((i) => /^(gateways|bridge|bin)\//.test(i)).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("a gateway imports no other gateway, nor bridge/ or bin/", () => {
    const bad = files.filter((f) => f.startsWith("gateways/"))
      .flatMap((f) => imports(f)
        .filter((i) => /^(bridge|bin)\//.test(i) || (i.startsWith("gateways/") && room(i) !== room(f)))
        .map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  // runtime/core, runtime/log and runtime/groups take Kafka's error codes from runtime/kafka, so
  // runtime/kafka must stay the bottom room: an import from it back up would close a cycle.
  it("runtime/kafka imports no other runtime/ room", () => {
    const bad = files.filter((f) => f.startsWith("runtime/kafka/"))
      .flatMap((f) => imports(f).filter((i) => i.startsWith("runtime/") && !i.startsWith("runtime/kafka/")).map((i) => `${f} -> ${i}`));
    expect(bad).toEqual([]);
  });

  it("only runtime/log imports lmdb", () => {
    const bad = files.filter((f) => !f.startsWith("runtime/log/") && imports(f).some((i) => i === "lmdb" || i.startsWith("lmdb/")));
    expect(bad).toEqual([]);
    expect(files.some((f) => f.startsWith("runtime/log/") && imports(f).includes("lmdb"))).toBe(true);
  });

  it("the folders of runtime/ form no import cycle", () => {
    const edges = new Map<string, Map<string, string>>();
    for (const f of files.filter((x) => x.startsWith("runtime/"))) {
      for (const i of imports(f).filter((x) => x.startsWith("runtime/"))) {
        const [from, to] = [runtimeRoom(f), runtimeRoom(i)];
        if (from === to) continue;
        if (!edges.has(from)) edges.set(from, new Map());
        if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, `${f} imports ${i}`);
      }
    }
    expect(edges.get("runtime/groups")?.has("runtime/log")).toBe(true); // the check sees real arrows
    expect(roomCycles(edges)).toEqual([]);
  });

  it("the cycle check finds a cycle when there is one", () => {
    const edges = new Map([
      ["runtime/a", new Map([["runtime/b", "a.ts imports b.ts"]])],
      ["runtime/b", new Map([["runtime/c", "b.ts imports c.ts"]])],
      ["runtime/c", new Map([["runtime/a", "c.ts imports a.ts"]])],
    ]);
    expect(roomCycles(edges)).toEqual(["runtime/a -> runtime/b (a.ts imports b.ts), runtime/b -> runtime/c (b.ts imports c.ts), runtime/c -> runtime/a (c.ts imports a.ts)"]);
  });
});
