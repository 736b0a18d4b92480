// ledge on arm64, as on a Raspberry Pi, under qemu-user emulation (~10x slower; test/arm64/tree.ts
// builds the arm64 copy). The peers (MQTT.js, kcat) run natively on loopback; only ledge is
// emulated. What runs there, within CI's budget: the wasm kernels (their results compared with
// this machine's), and one end-to-end life of a gateway: start-up, MQTT QoS 1 ingest, SIGKILL
// mid-stream, restart, and every acknowledged message read back over Kafka fetch, once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { arm64Launcher, arm64Tree, spawnArm64, type Arm64Tree } from "./tree.ts";
import { kernelReport } from "./kernel-probe.ts";
import { ledgeDirs, startLedge, type LedgeDirs } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";

const EMULATED_READY_MS = 120_000;
let tree: Arm64Tree;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  tree = await arm64Tree();
}, 600_000);
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe("arm64 (qemu-user)", () => {
  it("the wasm kernels compute on arm64 exactly what they compute on this machine", async () => {
    const child = spawnArm64(tree, "dist/test/kernel-probe.mjs", []);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const code = await new Promise((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    const { arch, report } = JSON.parse(stdout);
    expect(arch).toBe("arm64");
    expect(report).toEqual(kernelReport());
  }, 180_000);

  it("starts, takes MQTT QoS 1, loses nothing acknowledged across SIGKILL, and serves it over Kafka fetch", async () => {
    const d: LedgeDirs = await ledgeDirs("ledge-arm64-", "mqtt:\n  allowAnonymous: true\nstorage:\n  sync: always\n");
    cleanups.push(d.remove);
    const startMs = Date.now();
    const first = await startLedge(d.args, EMULATED_READY_MS, arm64Launcher(tree));
    const readyS = (Date.now() - startMs) / 1000;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${first.ports.mqtt}`, { clientId: "arm64-writer", reconnectPeriod: 0 });
    client.on("error", () => undefined); // the kill below closes the socket under it
    const acked = new Set<string>();
    let stopped = false;
    const lanes = Array.from({ length: 8 }, async (_, lane) => {
      for (let i = 0; !stopped && i < 5_000; i++) {
        const payload = `a-${lane}-${i}`;
        try {
          await client.publishAsync(`pi/${lane}`, payload, { qos: 1 });
        } catch {
          return; // the connection died with ledge
        }
        acked.add(payload);
      }
    });
    const deadline = Date.now() + 60_000;
    while (acked.size < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    first.child.kill("SIGKILL");
    await first.exited;
    const ackedAtKill = new Set(acked);
    stopped = true;
    client.end(true);
    await Promise.all(lanes);
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(400);

    const second = await startLedge(d.args, EMULATED_READY_MS, arm64Launcher(tree));
    try {
      const read = await kcat(["-b", `127.0.0.1:${second.ports.kafka}`, "-C", "-t", "mqtt-messages", "-o", "beginning", "-e", "-q", "-f", "%s\\n"], undefined, 120_000);
      const stored = read.stdout.split("\n").filter(Boolean);
      expect(stored.length).toBe(new Set(stored).size); // each once
      const storedSet = new Set(stored);
      expect([...ackedAtKill].filter((m) => !storedSet.has(m))).toEqual([]);
      console.log(`arm64: ready in ${readyS.toFixed(1)} s emulated; ${ackedAtKill.size} acked before SIGKILL, ${stored.length} stored`);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 400_000);
});
