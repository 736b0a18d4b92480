// mqtt.bridgeFrom against a real Mosquitto on a free loopback port: the bridge's MQTT.js
// client, persistent session and ack-after-ingest, with an ingest function the test controls
// (so "not yet durable" and "storage failed" can be made to happen on demand). The same bridge
// inside a real ledge process is in bridge-from.interop.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { ConfigReader } from "../../runtime/config/reader.ts";
import { ConfigError } from "../../runtime/config/errors.ts";
import { createLogger } from "../../runtime/logger.ts";
import { readBridgeFromConfig, startBridgeFrom, type BridgeFromConfig, type BridgedMessage, type IngestBridged } from "../../gateways/mqtt/bridge-from.ts";
import { freePort, startMosquitto, type MosquittoProcess } from "../helpers/mosquitto.ts";
import { makeTestCa } from "../helpers/certs.ts";
import { chmodSync, rmSync } from "node:fs";

const log = createLogger("test", () => {});
let mosquitto: MosquittoProcess;

beforeAll(async () => {
  mosquitto = await startMosquitto();
});
afterAll(async () => {
  await mosquitto?.stop();
});

function entry(clientId: string, filters: string[], more: Record<string, unknown> = {}): BridgeFromConfig {
  const r = new ConfigReader({ bridgeFrom: [{ url: `mqtt://127.0.0.1:${mosquitto.port}`, filters, clientId, reconnectMs: 200, ...more }] }, "mqtt");
  return readBridgeFromConfig(r)[0];
}

async function publish(topic: string, count: number, from = 0): Promise<void> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: `pub-${topic}-${from}`, reconnectPeriod: 0 });
  for (let i = from; i < from + count; i++) await c.publishAsync(topic, `m${i}`, { qos: 1 });
  await c.endAsync();
}

async function until(what: string, ok: () => boolean, timeLimitMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeLimitMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An ingest that records payloads after a short "commit" delay. */
function recorder(delayMs = 1) {
  const payloads = new Set<string>();
  const ingest: IngestBridged = async (m: BridgedMessage) => {
    await new Promise((r) => setTimeout(r, delayMs));
    payloads.add(m.payload.toString());
    return "stored";
  };
  return { payloads, ingest };
}

describe("mqtt.bridgeFrom config", () => {
  it.each([
    [{ bridgeFrom: [{ url: "http://x:1", filters: ["a"], clientId: "c" }] }, "mqtt.bridgeFrom[0].url"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: [], clientId: "c" }] }, "mqtt.bridgeFrom[0].filters"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a/#/b"], clientId: "c" }] }, "mqtt.bridgeFrom[0].filters[0]"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"] }] }, "mqtt.bridgeFrom[0].clientId"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", qos: 2 }] }, "mqtt.bridgeFrom[0].qos"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", inflightCountMax: 0 }] }, "mqtt.bridgeFrom[0].inflightCountMax"],
    [{ bridgeFrom: [{ url: "mqtts://x:1", filters: ["a"], clientId: "c", ca: "/nonexistent/ca.pem" }] }, "mqtt.bridgeFrom[0].ca"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", ca: "/etc/hostname" }] }, "mqtt.bridgeFrom[0].url"],
    [{ bridgeFrom: [{ url: "mqtts://x:1", filters: ["a"], clientId: "c", cert: "/etc/hostname" }] }, "mqtt.bridgeFrom[0].key"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c" }, { url: "mqtt://x:1", filters: ["b"], clientId: "c" }] }, "mqtt.bridgeFrom[1].clientId"],
  ])("names the bad key for %j", (mqttSection, key) => {
    try {
      readBridgeFromConfig(new ConfigReader(mqttSection, "mqtt"));
      expect.unreachable("config should have been refused");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).key).toBe(key);
    }
  });
});

describe("mqtt.bridgeFrom against Mosquitto", () => {
  it("takes QoS 1 messages matching its filters, and only those", async () => {
    const rec = recorder();
    const bridge = startBridgeFrom([entry("bridge-a", ["a/#"])], rec.ingest, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      await publish("a/x", 100);
      await publish("b/x", 10);
      await until("100 messages", () => rec.payloads.size >= 100);
      await new Promise((r) => setTimeout(r, 100));
      expect(rec.payloads.size).toBe(100);
      expect(bridge.stats[0].stored).toBe(100);
    } finally {
      await bridge.close();
    }
  });

  it("acks only after ingest: an un-acked message comes back after a restart, none is lost", async () => {
    const stuck = new Set<string>();
    const held: BridgedMessage[] = [];
    // First life: stores the first 20, then never finishes an ingest (a commit that never lands).
    const first = recorder();
    const hanging: IngestBridged = (m) => {
      if (first.payloads.size < 20) return first.ingest(m);
      held.push(m);
      stuck.add(m.payload.toString());
      return new Promise(() => {});
    };
    let bridge = startBridgeFrom([entry("bridge-b", ["b2/#"])], hanging, log);
    await until("the subscription", () => bridge.stats[0].subscribes === 1);
    await publish("b2/x", 60);
    await until("the hang", () => held.length >= 1);
    await bridge.close(); // "crash": the held message was never acked upstream
    await publish("b2/x", 40, 60); // while the bridge is away: queued in the persistent session

    const second = recorder();
    bridge = startBridgeFrom([entry("bridge-b", ["b2/#"])], second.ingest, log);
    try {
      await until("all 100 after restart", () => new Set([...first.payloads, ...second.payloads]).size >= 100);
      for (const p of stuck) expect(second.payloads.has(p)).toBe(true);
    } finally {
      await bridge.close();
    }
  });

  it("reconnects when storage fails, and the upstream redelivers the message", async () => {
    const rec = recorder();
    let failures = 0;
    const flaky: IngestBridged = (m) => {
      if (m.payload.toString() === "m3" && failures < 2) {
        failures++;
        return Promise.reject(new Error("disk full"));
      }
      return rec.ingest(m);
    };
    const bridge = startBridgeFrom([entry("bridge-c", ["c/#"])], flaky, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      await publish("c/x", 10);
      await until("all 10 despite two failures", () => rec.payloads.size >= 10);
      expect(failures).toBe(2);
      expect(bridge.stats[0].connects).toBeGreaterThanOrEqual(3);
    } finally {
      await bridge.close();
    }
  });

  it("acks messages the routes refuse, so they do not block the upstream session", async () => {
    const stored = new Set<string>();
    const picky: IngestBridged = async (m) => {
      if (m.payload.toString().endsWith("7")) return "refused";
      stored.add(m.payload.toString());
      return "stored";
    };
    const bridge = startBridgeFrom([entry("bridge-d", ["d/#"])], picky, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      await publish("d/x", 30);
      await until("30 handled", () => bridge.stats[0].stored + bridge.stats[0].refused >= 30);
      expect(bridge.stats[0].refused).toBe(3);
      expect(stored.size).toBe(27);
      expect(bridge.stats[0].connects).toBe(1);
    } finally {
      await bridge.close();
    }
  });
});

describe("mqtt.bridgeFrom pipelining", () => {
  it("lets many messages wait for one commit instead of one message per commit", async () => {
    // A "commit" that lands only once 10 messages wait for it: a bridge that handled one
    // message at a time would never get there.
    const waiting: Array<() => void> = [];
    const stored = new Set<string>();
    const groupCommit: IngestBridged = (m) => new Promise((resolve) => {
      waiting.push(() => (stored.add(m.payload.toString()), resolve("stored")));
      if (waiting.length >= 10) for (const w of waiting.splice(0)) w();
    });
    const bridge = startBridgeFrom([entry("bridge-e", ["e/#"])], groupCommit, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      await publish("e/x", 30);
      await until("30 stored in groups of 10", () => stored.size >= 30);
      expect(bridge.stats[0].stored).toBe(30);
    } finally {
      await bridge.close();
    }
  });

  it("stops reading at inflightCountMax messages waiting, and resumes when they are durable", async () => {
    const waiting: Array<() => void> = [];
    let peak = 0;
    const slow: IngestBridged = () => new Promise((resolve) => {
      waiting.push(() => resolve("stored"));
      peak = Math.max(peak, waiting.length);
    });
    const bridge = startBridgeFrom([entry("bridge-f", ["f/#"], { inflightCountMax: 4 })], slow, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      await publish("f/x", 12); // Mosquitto sends up to 20 at once
      await until("4 waiting", () => waiting.length >= 4);
      await new Promise((r) => setTimeout(r, 200));
      expect(waiting.length).toBe(4);
      const deadline = Date.now() + 10_000;
      while (bridge.stats[0].stored < 12) {
        if (Date.now() > deadline) throw new Error(`only ${bridge.stats[0].stored} of 12 stored`);
        for (const w of waiting.splice(0)) w();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(peak).toBe(4);
    } finally {
      await bridge.close();
    }
  });
});

describe("mqtt.bridgeFrom failures", () => {
  it("keeps retrying an unreachable upstream, says so in the log, and closes cleanly", async () => {
    const lines: string[] = [];
    const port = await freePort(); // nothing listens here
    const config = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url: `mqtt://127.0.0.1:${port}`, filters: ["x/#"], clientId: "bridge-dead", reconnectMs: 100 }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([config], recorder().ingest, createLogger("test", (l) => void lines.push(l)));
    try {
      await until("a refused connect in the log", () => lines.filter((l) => l.includes("ECONNREFUSED")).length >= 2);
      expect(lines.every((l) => l.includes(`127.0.0.1:${port} as 'bridge-dead'`))).toBe(true);
      expect(bridge.stats[0].connects).toBe(0);
    } finally {
      await bridge.close();
    }
  });

  it("does not put the upstream password in log lines", async () => {
    const lines: string[] = [];
    const config = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url: `mqtt://u:hunter2@127.0.0.1:${mosquitto.port}`, filters: ["y/#"], clientId: "bridge-pw", password: "hunter2" }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([config], recorder().ingest, createLogger("test", (l) => void lines.push(l)));
    try {
      await until("the subscription", () => bridge.stats[0].subscribes === 1);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join("\n")).not.toContain("hunter2");
    } finally {
      await bridge.close();
    }
  });
});

describe("mqtt.bridgeFrom over TLS (mqtts://)", () => {
  it("verifies the upstream against `ca` and takes its messages; refuses an unverified upstream", async () => {
    const certs = await makeTestCa();
    await certs.issue("server", "127.0.0.1", "ca", "IP:127.0.0.1");
    // Mosquitto started as root reads its files after switching to the mosquitto user.
    for (const f of ["", "ca.pem", "server.pem", "server.key"]) chmodSync(certs.path(f), f === "" ? 0o755 : 0o644);
    const tlsBroker = await startMosquitto([`cafile ${certs.path("ca.pem")}`, `certfile ${certs.path("server.pem")}`, `keyfile ${certs.path("server.key")}`]);
    const url = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const lines: string[] = [];
    const logger = createLogger("test", (l) => void lines.push(l));
    const rec = recorder();
    const trusted = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url, filters: ["t/#"], clientId: "bridge-tls", ca: certs.path("ca.pem") }] }, "mqtt"))[0];
    const untrusted = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url, filters: ["t/#"], clientId: "bridge-untrusted", reconnectMs: 100 }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([trusted, untrusted], rec.ingest, logger);
    try {
      await until("the TLS subscription", () => bridge.stats[0].subscribes === 1);
      const pub = await mqtt.connectAsync(url, { ca: trusted.tls!.ca, reconnectPeriod: 0 });
      for (let i = 0; i < 5; i++) await pub.publishAsync("t/x", `tls${i}`, { qos: 1 });
      await pub.endAsync();
      await until("5 messages over TLS", () => rec.payloads.size >= 5);
      await until("the untrusted bridge's certificate error", () => lines.some((l) => l.includes("bridge-untrusted") && /certificate/i.test(l)));
      expect(bridge.stats[1].connects).toBe(0);
    } finally {
      await bridge.close();
      await tlsBroker.stop();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});
