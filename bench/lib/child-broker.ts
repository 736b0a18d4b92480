// Starts a broker program as its own process and waits for its "<name> ready PORT" line; reads
// a process's peak resident memory from /proc (VmHWM), which counts what a sampler would miss.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export interface ChildBroker {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `bench/lib/<script>` under tsx; resolves once it prints its ready line. */
export function startChildBroker(script: string, readyTimeoutMs = 20_000): Promise<ChildBroker> {
  const file = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", file], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} printed no ready line within ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^\w+ ready (\d+)$/.exec(line);
      if (!m) return;
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

/** Peak resident set size of a live process in bytes (Linux /proc/PID/status VmHWM). */
export function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : Number.NaN;
}
