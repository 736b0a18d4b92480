// Starts a broker program as its own process and waits for its "<name> ready PORT" line; starts
// ledge as operators do (bin/ledge executed, so its first line's node flags apply); reads a
// process's peak resident memory from /proc (VmHWM), which counts what a sampler would miss.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ChildBroker {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `bench/lib/<script>` under tsx; resolves once it prints its ready line. `onLine` gets
 * every later stdout line (kafka-sink.ts's commit lines). */
export function startChildBroker(script: string, readyTimeoutMs = 20_000, onLine?: (line: string) => void): Promise<ChildBroker> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", file], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} printed no ready line within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    let ready = false;
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (ready) return onLine?.(line);
      const m = /^\w+ ready (\d+)$/.exec(line);
      if (!m) return;
      ready = true;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        child,
        stop: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}

export interface ExecutedLedge {
  child: ChildProcess;
  ports: { mqtt?: number; kafka?: number; http?: number };
  exited: Promise<void>;
}

/** Executes bin/ledge itself (not `node bin/ledge`): `env -S` in its first line execs node in
 * place with ledge's memory tuning, so `child.pid` is the ledge process. */
export function startLedgeExecuted(args: string[], readyTimeoutMs = 20_000): Promise<ExecutedLedge> {
  const bin = fileURLToPath(new URL("../../bin/ledge", import.meta.url));
  const start = ["start", "--host", "127.0.0.1", "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0", ...args];
  // LEDGE_BENCH_CPU_PROF=DIR: a V8 CPU profile of each ledge the bench starts, written to DIR at
  // its exit (run through node, so without the launcher's memory flags).
  const profDir = process.env.LEDGE_BENCH_CPU_PROF;
  const child = spawn(profDir ? process.execPath : bin, profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`, bin, ...start] : start, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`ledge did not print its ready line within ${readyTimeoutMs} ms; stderr:\n${err}`));
    }, readyTimeoutMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^ledge ready (\{.*\})$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, ports: JSON.parse(m[1]), exited });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`ledge exited before it was ready; stderr:\n${err}`));
    });
  });
}

/** The node flags a live process runs with: /proc/PID/cmdline between node and its script. */
export function nodeFlagsOf(pid: number): string[] {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  const scriptAt = argv.findIndex((a, i) => i > 0 && !a.startsWith("-"));
  return argv.slice(1, scriptAt < 0 ? argv.length : scriptAt);
}

/** Peak resident set size of a live process in bytes (Linux /proc/PID/status VmHWM). */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}
