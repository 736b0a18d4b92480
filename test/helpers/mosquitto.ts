// Runs Debian's Mosquitto on a free loopback port with a throwaway config, for interop tests
// (mqtt.bridgeFrom) and the MQTT benchmark's baseline. Default settings apart from the
// listener and anonymous access (Mosquitto 2 refuses anonymous clients without it).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const mosquittoBin = "/usr/sbin/mosquitto";

export interface MosquittoProcess {
  port: number;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** A port that was free a moment ago (Mosquitto cannot be told to pick one itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

/** Starts Mosquitto; `extraConfig` lines are appended (e.g. "max_inflight_messages 20"). */
export async function startMosquitto(extraConfig: string[] = [], readyTimeoutMs = 10_000): Promise<MosquittoProcess> {
  const dir = mkdtempSync(join(tmpdir(), "ledge-mosquitto-"));
  const port = await freePort();
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, "allow_anonymous true", ...extraConfig, ""].join("\n"));
  const child = spawn(mosquittoBin, ["-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + readyTimeoutMs;
  while (!(await accepting(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mosquitto did not listen on 127.0.0.1:${port} within ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
