// bin/ledge carries ledge's memory tuning in its first line (`env -S VAR=value node --flag…`), so
// executing it (`ledge start`, `npm start`) starts the ledge process itself with those node flags
// and environment: no second process. Checked on the running process through /proc (Linux).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { ledgeBin } from "./helpers/ledge-process.ts";

interface Tuning {
  env: Record<string, string>;
  nodeFlags: string[];
}

/** What the shebang asks for: NAME=value words before `node`, flags after it. */
function tuningFromShebang(): Tuning {
  const first = readFileSync(ledgeBin, "utf8").split("\n", 1)[0];
  const m = /^#!\/usr\/bin\/env -S (.*)$/.exec(first);
  if (!m) throw new Error(`bin/ledge does not start with '#!/usr/bin/env -S …': ${first}`);
  const words = m[1].trim().split(/\s+/);
  const nodeAt = words.indexOf("node");
  if (nodeAt < 0) throw new Error(`bin/ledge's shebang runs no node: ${first}`);
  const env = Object.fromEntries(words.slice(0, nodeAt).map((w) => w.split("=", 2) as [string, string]));
  return { env, nodeFlags: words.slice(nodeAt + 1) };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Executes bin/ledge the way an operator does (not through `node bin/ledge`). */
function startExecuted(): Promise<{ pid: number; ports: Record<string, number> }> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-launcher-"));
  const child = spawn(ledgeBin, ["start", "--host", "127.0.0.1", "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0", "--data-dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, MALLOC_ARENA_MAX: undefined },
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  cleanups.push(() => {
    child.kill("SIGKILL");
    void exited.then(() => rmSync(dir, { recursive: true, force: true }));
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line within 20 s; stderr:\n${err}`)), 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^ledge ready (\{.*\})$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ pid: child.pid!, ports: JSON.parse(m[1]) });
    });
    void exited.then(() => reject(new Error(`ledge exited before it was ready; stderr:\n${err}`)));
  });
}

describe("bin/ledge memory tuning", () => {
  it("names V8 young-generation and heap-growth flags and a malloc arena limit", () => {
    const t = tuningFromShebang();
    expect(t.nodeFlags.some((f) => f.startsWith("--max-semi-space-size="))).toBe(true);
    expect(t.nodeFlags.some((f) => f.startsWith("--heap-growing-percent="))).toBe(true);
    expect(Number(t.env.MALLOC_ARENA_MAX)).toBeGreaterThan(0);
  });

  it("is what `npm start` runs: the file executed, not `node bin/ledge` (which skips the first line)", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/(^|&& )\.\/bin\/ledge start$/);
  });

  it("runs the ledge process itself with those node flags and that environment when executed", async () => {
    const t = tuningFromShebang();
    const { pid, ports } = await startExecuted();
    expect(ports.mqtt).toBeGreaterThan(0);
    // env -S execs node in place: the pid we started is ledge, not a wrapper around it.
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
    expect(argv[0]).toMatch(/node$/);
    for (const flag of t.nodeFlags) expect(argv).toContain(flag);
    expect(argv).toContain("start");
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    for (const [name, value] of Object.entries(t.env)) expect(environ).toContain(`${name}=${value}`);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(/^PPid:\s+(\d+)/m.exec(status)?.[1]).toBe(String(process.pid)); // no launcher in between
  });
});
