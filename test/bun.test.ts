// Bun is ledge's second host (DESIGN.md): the same bin/ledge, run by Bun from the TypeScript
// sources, serves MQTT and Kafka clients. One pass through both gateways and the log.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLedge, type LedgeProcess } from "./helpers/ledge-process.ts";
import { kcat } from "./kafka/helpers/kcat.ts";

const bun = fileURLToPath(new URL("../node_modules/.bin/bun", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ledge-bun-"));
let ledge: LedgeProcess;

beforeAll(async () => {
  const config = join(dir, "ledge.yaml");
  writeFileSync(config, `dataDir: ${join(dir, "data")}\nstorage: { sync: always }\nmqtt: { allowAnonymous: true }\n`);
  ledge = await startLedge(["--config", config], 30_000, bun);
});

afterAll(async () => {
  ledge?.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("ledge under Bun", () => {
  it("runs on Bun, not Node", async () => {
    const cmdline = (await import("node:fs")).readFileSync(`/proc/${ledge.child.pid}/cmdline`, "utf8");
    expect(cmdline.split("\0")[0]).toMatch(/bun$/);
  });

  it("stores MQTT 5 QoS 1 publishes durably and delivers them, readable over Kafka with their headers", async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { protocolVersion: 5, clientId: "bun-test", reconnectPeriod: 0 });
    try {
      const got: string[] = [];
      client.on("message", (topic, payload) => got.push(`${topic} ${payload}`));
      await client.subscribeAsync("bun/#", { qos: 1 });
      for (let i = 0; i < 20; i++) await client.publishAsync(`bun/${i % 2}`, `m${i}`, { qos: 1, properties: { userProperties: { site: "pi" } } });
      for (let t = 0; t < 100 && got.length < 20; t++) await new Promise((r) => setTimeout(r, 50));
      expect(got).toHaveLength(20);
      expect(got[19]).toBe("bun/1 m19");
    } finally {
      await client.endAsync();
    }
    const read = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-C", "-t", "mqtt-messages", "-o", "beginning", "-e", "-q",
      "-X", "check.crcs=true", "-f", "%k %s %h\n"], undefined, 20_000);
    const lines = read.stdout.split("\n").filter(Boolean);
    expect(lines).toHaveLength(20);
    expect(lines[0]).toMatch(/^bun\/0 m0 .*site=pi/);
  });

  it("takes an idempotent lz4 kcat producer and serves it back with valid CRCs", async () => {
    const input = Array.from({ length: 500 }, (_, i) => `rec-${i}`);
    const bootstrap = `127.0.0.1:${ledge.ports.kafka}`;
    const produced = await kcat(["-b", bootstrap, "-P", "-t", "bun-k", "-z", "lz4", "-X", "enable.idempotence=true"], `${input.join("\n")}\n`, 20_000);
    expect(produced.code).toBe(0);
    const read = await kcat(["-b", bootstrap, "-C", "-t", "bun-k", "-o", "beginning", "-e", "-q", "-X", "check.crcs=true"], undefined, 20_000);
    expect(read.stdout.split("\n").filter(Boolean)).toEqual(input);
  });

  it("shuts down cleanly on SIGTERM", async () => {
    ledge.child.kill("SIGTERM");
    expect(await ledge.exited).toBe(0);
  });
});
