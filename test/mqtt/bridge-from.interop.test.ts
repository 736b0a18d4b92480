// mqtt.bridgeFrom inside a real `ledge start` process against a real Mosquitto: messages
// published to Mosquitto land in ledge's log; ledge is SIGKILLed mid-stream and restarted on
// the same data dir, and afterwards the log holds every message (Mosquitto redelivers what
// ledge had not acknowledged, and queued the rest for the persistent session meanwhile).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import mqtt from "mqtt";
import { decodeBatch } from "../../runtime/core/index.ts";
import { readConfig } from "../../runtime/config/index.ts";
import { Log } from "../../runtime/log/index.ts";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { startMosquitto, type MosquittoProcess } from "../helpers/mosquitto.ts";

const messageCount = 600;
const killAfterCount = 200;
const dir = mkdtempSync(join(tmpdir(), "ledge-bridge-from-"));
const dataDir = join(dir, "data");
const configFile = join(dir, "ledge.yaml");
let mosquitto: MosquittoProcess;
let ledge: LedgeProcess | undefined;

beforeAll(async () => {
  mosquitto = await startMosquitto();
  writeFileSync(configFile, [
    "mqtt:",
    "  allowAnonymous: true",
    "  bridgeFrom:",
    `    - { url: "mqtt://127.0.0.1:${mosquitto.port}", filters: ["site/#"], clientId: ledge-bridge-test, reconnectMs: 200 }`,
    "",
  ].join("\n"));
});
afterAll(async () => {
  if (ledge && ledge.child.exitCode === null) {
    ledge.child.kill("SIGKILL");
    await ledge.exited;
  }
  await mosquitto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean | Promise<boolean>, timeLimitMs: number): Promise<void> {
  const deadline = Date.now() + timeLimitMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startBridgedLedge(): Promise<LedgeProcess> {
  const p = await startLedge(["--config", configFile, "--data-dir", dataDir]);
  // A first start subscribes; a restart resumes the upstream session (no SUBSCRIBE needed).
  await until("the bridge's upstream session", () => /bridgeFrom .*(subscribed to|session resumed)/.test(p.stderr()), 10_000);
  return p;
}

async function messagesIn(p: LedgeProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${p.ports.http}/metrics`)).text();
  return Number(/^ledge_mqtt_messages_in_total (\d+)/m.exec(text)?.[1] ?? 0);
}

async function storedPayloads(): Promise<string[]> {
  const config = readConfig({ dataDir });
  const log = await Log.open({ dataDir, storage: config.storage, log: config.log, mapSizeBytes: 256 * 2 ** 20 });
  try {
    const out: string[] = [];
    const d = log.describeTopic("mqtt-messages");
    for (let p = 0; p < (d?.partitions ?? 0); p++) {
      for (const b of log.read("mqtt-messages", p, 0, 64 * 2 ** 20).batches) {
        for (const r of decodeBatch(b).records) out.push(Buffer.from(r.value!).toString());
      }
    }
    return out;
  } finally {
    await log.close();
  }
}

it("loses nothing from Mosquitto when ledge is killed mid-stream and restarted", async () => {
  ledge = await startBridgedLedge();
  const first = ledge;
  const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: "site-publisher", reconnectPeriod: 0 });
  for (let i = 0; i < messageCount; i++) {
    await publisher.publishAsync(`site/sensor/${i % 7}`, `m${i}`, { qos: 1 });
    if (i === killAfterCount) {
      const before = await messagesIn(first);
      first.child.kill("SIGKILL");
      await first.exited;
      expect(before, "the kill should land after the bridge has stored some messages").toBeGreaterThan(0);
    }
  }
  await publisher.endAsync();

  ledge = await startBridgedLedge();
  const second = ledge;
  // Done when the restarted bridge has stopped taking messages for a while.
  let last = -1;
  let stableSince = Date.now();
  await until("the bridge to drain the upstream queue", async () => {
    const n = await messagesIn(second);
    if (n !== last) [last, stableSince] = [n, Date.now()];
    return n > 0 && Date.now() - stableSince > 2500; // generous: CI machines stall
  }, 45_000);
  second.child.kill("SIGTERM");
  await second.exited;

  const stored = new Set(await storedPayloads());
  const missing = Array.from({ length: messageCount }, (_, i) => `m${i}`).filter((m) => !stored.has(m));
  expect(missing).toEqual([]);
}, 80_000);
