// Runs the real `bin/ledge` as a child process on loopback and waits for its ready line.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ledgeBin = fileURLToPath(new URL("../../bin/ledge", import.meta.url));

export interface LedgeProcess {
  child: ChildProcess;
  ports: { mqtt?: number; kafka?: number; http?: number };
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<number | string>;
}

/** How bin/ledge is run when not by this Node: `command ...args bin` (Bun; qemu running an
 * arm64 node on an arm64 copy of the project, test/arm64/tree.ts). */
export interface LedgeLauncher {
  command: string;
  args: string[];
  bin: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts ledge with all ports free (0) on 127.0.0.1 unless `args` says otherwise; `host` is
 * the JavaScript runtime that runs bin/ledge (this Node by default; Bun in test/bun.test.ts), or
 * a whole launcher. */
export function startLedge(args: string[], readyTimeoutMs = 20_000, host: string | LedgeLauncher = process.execPath): Promise<LedgeProcess> {
  const launcher = typeof host === "string" ? { command: host, args: [], bin: ledgeBin } : host;
  const child = spawn(
    launcher.command,
    [...launcher.args, launcher.bin, "start", "--host", "127.0.0.1", "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0", ...args],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...launcher.env } },
  );
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once("close", (code, signal) => resolve(code ?? signal ?? -1)), // after stderr drains
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ledge did not print its ready line within ${readyTimeoutMs} ms; stderr:\n${err}`));
    }, readyTimeoutMs);
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const m = /^ledge ready (\{.*\})$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, ports: JSON.parse(m[1]), stderr: () => err, exited });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ledge exited (${code}) before it was ready; stderr:\n${err}`));
    });
  });
}

/** Runs a `ledge` command that ends (verify, backup, the client commands) to its exit. */
export function runLedge(args: string[], o: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ledgeBin, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...o.env } });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), o.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
    child.stdin!.end(o.input ?? "");
  });
}

/** A fresh data directory and a config file beside it; `args` start ledge on them. */
export interface LedgeDirs {
  dataDir: string;
  configFile: string;
  args: string[];
  remove(): Promise<void>;
}

export async function ledgeDirs(prefix: string, configYaml: string): Promise<LedgeDirs> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const configFile = `${dataDir}.yaml`;
  await writeFile(configFile, configYaml);
  return {
    dataDir, configFile, args: ["--config", configFile, "--data-dir", dataDir],
    remove: async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(configFile, { force: true });
    },
  };
}

/** A counter or gauge from a running ledge's /metrics (`ifAbsent`, 0 by default, when not yet registered). */
export async function metricValue(httpPort: number, name: string, ifAbsent = 0): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : ifAbsent;
}

/** Waits until the metric reaches `atLeast`, polling /metrics; fails after `timeoutMs`. */
export async function waitForMetric(httpPort: number, name: string, atLeast: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await metricValue(httpPort, name);
    if (v >= atLeast) return v;
    if (Date.now() > deadline) throw new Error(`${name} stayed at ${v}, below ${atLeast}, for ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * bin/ledge with `configYaml`, started before a test file's tests and stopped (its directories
 * removed) after them: call at the top level of the file; `.process` is the running ledge.
 */
export function ledgeForFile(prefix: string, configYaml: string, hooks: { beforeAll: (fn: () => Promise<void>, timeoutMs: number) => void; afterAll: (fn: () => Promise<void>) => void }): { readonly process: LedgeProcess } {
  let dirs: LedgeDirs | undefined;
  let ledge: LedgeProcess | undefined;
  hooks.beforeAll(async () => {
    dirs = await ledgeDirs(prefix, configYaml);
    ledge = await startLedge(dirs.args);
  }, 60_000);
  hooks.afterAll(async () => {
    ledge?.child.kill("SIGTERM");
    await ledge?.exited;
    await dirs?.remove();
  });
  return {
    get process(): LedgeProcess {
      if (!ledge) throw new Error("ledge is not started (call ledgeForFile at the top level of the test file)");
      return ledge;
    },
  };
}
