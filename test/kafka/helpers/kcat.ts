// Runs kcat (librdkafka 2.0.2) as a real client, always bounded: a hard kill timeout, socket
// timeouts, and -e for consumers. Returns stdout and stderr for assertions.
import { spawn, type ChildProcess } from "node:child_process";

export interface KcatResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kcat(args: string[], input?: string | Buffer, killAfterMs = 20_000): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("kcat", ["-X", "socket.timeout.ms=5000", "-X", "message.timeout.ms=10000", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/** librdkafka's in-process mock cluster (an independent broker), kept alive by a kcat consumer:
 * SIGSTOP/SIGCONT `child` to take the cluster away and give it back with its data. */
export interface MockCluster {
  bootstrap: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startMockCluster(brokers = 1, readyMs = 10_000): Promise<MockCluster> {
  const child: ChildProcess = spawn("kcat", ["-X", `test.mock.num.brokers=${brokers}`, "-X", "debug=mock", "-b", "x:1", "-C", "-t", "mock-keepalive"], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  const exited = new Promise<void>((r) => child.once("close", () => r()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`mock cluster gave no bootstrap address within ${readyMs} ms:\n${err.slice(-2000)}`));
    }, readyMs);
    child.stderr!.on("data", (d) => {
      err += d;
      const m = /bootstrap\.servers=(\S+)/.exec(err);
      if (!m) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners("data");
      child.stderr!.resume();
      resolve({ bootstrap: m[1].replace(/[,.]$/, ""), child, stop: async () => { child.kill("SIGCONT"); child.kill("SIGKILL"); await exited; } });
    });
  });
}

/** Messages worth compressing: 100-byte JSON-ish telemetry lines. */
export function telemetryLines(count: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const base = `{"dev":"${tag}-${i % 7}","seq":${i},"temp":${(20 + (i % 10) / 10).toFixed(1)},"status":"ok"}`;
    out.push(base.padEnd(100, "."));
  }
  return out;
}
