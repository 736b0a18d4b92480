// kcat for benchmarks: timed runs that also report the CPU kcat itself used (so a result can
// say whether the client or the broker was the bound), and librdkafka's built-in mock cluster
// as an independent broker that answers from memory: the client's ceiling on this machine.
import { spawn, type ChildProcess } from "node:child_process";

/** `kcat -P -l` as a throughput-minded user runs it: big batches, a short linger, a deep local
 * queue. batch.size stays at 1,000,000 bytes: Kafka's (and ledge's) default max.message.bytes. */
export const PRODUCE_FLAGS = ["-P", "-l", "-X", "acks=all", "-X", "linger.ms=5", "-X", "batch.num.messages=10000",
  "-X", "batch.size=1000000", "-X", "queue.buffering.max.messages=1000000"];

export interface KcatRun {
  /** Wall-clock seconds from spawn to exit. */
  seconds: number;
  /** User + system CPU seconds kcat used (all its threads), from the shell's `times`. */
  cpuSeconds: number;
}

/** `times` prints the shell's own line, then its children's: "0m0.150000s 0m0.070000s". */
function childCpuSeconds(stderr: string): number {
  const lines = stderr.trimEnd().split("\n");
  const last = lines[lines.length - 1] ?? "";
  let total = 0;
  for (const m of last.matchAll(/(\d+)m([\d.]+)s/g)) total += Number(m[1]) * 60 + Number(m[2]);
  return total;
}

/** Runs kcat to completion (killed after timeoutMs), stdout to /dev/null. Rejects on a non-zero
 * exit or an error line, with kcat's own words. */
export function runKcat(args: string[], timeoutMs: number): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // sh's `times` gives the child's CPU time without a dependency on GNU time.
    const script = 'kcat "$@" >/dev/null; rc=$?; times >&2; exit $rc';
    const child = spawn("sh", ["-c", script, "kcat", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0 || /ERROR|failed/.test(err)) reject(new Error(`kcat ${args.join(" ")} failed (exit ${code}): ${err.slice(0, 500)}`));
      else resolve({ seconds, cpuSeconds: childCpuSeconds(err) });
    });
  });
}

export interface MockCluster {
  bootstrap: string;
  close(): Promise<void>;
}

/** Starts librdkafka's mock cluster (one broker) inside an idle kcat consumer and resolves
 * with the bootstrap address it logs. It keeps only about the last 5 MB of each partition. */
export function startMockCluster(readyTimeoutMs = 15_000): Promise<MockCluster> {
  const child: ChildProcess = spawn("kcat", ["-X", "test.mock.num.brokers=1", "-X", "debug=mock", "-b", "x:1", "-C", "-t", "mock-idle", "-q"],
    { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let err = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`librdkafka's mock cluster logged no bootstrap.servers within ${readyTimeoutMs} ms: ${err.slice(0, 300)}`));
    }, readyTimeoutMs);
    child.stderr!.on("data", (d) => {
      if (err.length < 65_536) err += d;
      const m = /bootstrap\.servers=(\S+)\s/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners("data");
      child.stderr!.resume();
      resolve({
        bootstrap: m[1],
        close: async () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
