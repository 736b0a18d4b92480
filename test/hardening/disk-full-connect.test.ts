// A full disk, for real (a small tmpfs; needs root): a persistent session or a will that cannot
// be stored gets a CONNACK saying so (MQTT 5: 0x97 quota exceeded; 3.1.1: 3 server unavailable)
// and a log line, instead of a dropped connection; /healthz answers 503 "degraded: storage
// full" while writes are refused, and 200 again once space returns.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type IClientOptions } from "mqtt";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";

const isRoot = process.getuid?.() === 0;
const MiB = 2 ** 20;
let root: string;
let disk: string;
let ledge: LedgeProcess;

beforeAll(async () => {
  if (!isRoot) return;
  root = mkdtempSync(join(tmpdir(), "ledge-fullconn-"));
  disk = join(root, "disk");
  mkdirSync(disk);
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=48m", "tmpfs", disk]);
  writeFileSync(`${root}/c.yaml`, "mqtt: { allowAnonymous: true }\n");
  ledge = await startLedge(["--config", `${root}/c.yaml`, "--data-dir", join(disk, "data")]);
});
afterAll(async () => {
  if (!isRoot) return;
  ledge?.child.kill("SIGKILL");
  await ledge?.exited;
  execFileSync("umount", ["-l", disk]);
  rmSync(root, { recursive: true, force: true });
});

/** Resolves with the CONNACK code the broker answered (0 = accepted). */
function connackCode(options: IClientOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    c.once("connect", (ack) => { c.end(true); resolve(ack.reasonCode ?? ack.returnCode ?? 0); });
    c.once("error", (err: Error & { code?: number }) => { c.end(true); typeof err.code === "number" ? resolve(err.code) : reject(err); });
    c.once("close", () => reject(new Error("closed without a CONNACK")));
  });
}

async function healthz(): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${ledge.ports.http}/healthz`);
  return { status: r.status, text: await r.text() };
}

describe.runIf(isRoot)("CONNECT on a full disk", () => {
  it("refuses a persistent session or a will with the right CONNACK code; /healthz reports degraded", async () => {
    expect(await healthz()).toEqual({ status: 200, text: "ok\n" });
    const { bavail, bsize } = statfsSync(disk);
    writeFileSync(join(disk, "ballast"), Buffer.alloc(Math.max(0, bavail * bsize - 4 * MiB), 1)); // under the 16 MiB ledge keeps free

    expect(await connackCode({ protocolVersion: 5, clientId: "p5", clean: false, properties: { sessionExpiryInterval: 300 } })).toBe(0x97);
    expect(await connackCode({ protocolVersion: 4, clientId: "p4", clean: false })).toBe(3);
    expect(await connackCode({ protocolVersion: 4, clientId: "w4", will: { topic: "w/t", payload: Buffer.from("bye"), qos: 1, retain: false } })).toBe(3);
    expect(await connackCode({ protocolVersion: 5, clientId: "c5" })).toBe(0); // nothing to store: served
    expect(ledge.stderr()).toMatch(/refused CONNECT from .*p5.*persistent session cannot be stored.*LEDGE_ERR_STORAGE_FULL|refused CONNECT from .*p5.*persistent session cannot be stored/);
    const degraded = await healthz();
    expect(degraded.status).toBe(503);
    expect(degraded.text).toMatch(/^degraded: storage full/);

    rmSync(join(disk, "ballast")); // space returns
    expect(await healthz()).toEqual({ status: 200, text: "ok\n" });
    expect(await connackCode({ protocolVersion: 5, clientId: "p5", clean: false, properties: { sessionExpiryInterval: 300 } })).toBe(0);
    expect(ledge.child.exitCode).toBeNull();
  });
});
