// mqtt.bridgeFrom against a real Mosquitto on a free loopback port: the bridge's MQTT.js
// client, persistent session and ack-after-ingest, with an ingest function the test controls
// (so "not yet durable" and "storage failed" can be made to happen on demand). The same bridge
// inside a real ledge process is in bridge-from.interop.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt from "mqtt";
import { ConfigReader } from "../../runtime/config/reader.ts";
import { ConfigError } from "../../runtime/config/errors.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { readBridgeFromConfig, startBridgeFrom, type BridgeFromConfig, type BridgedMessage, type IngestBridged } from "../../gateways/mqtt/bridge-from.ts";
import { freePort, startMosquitto, type MosquittoProcess } from "../helpers/mosquitto.ts";
import { makeTestCa } from "../helpers/certs.ts";
import { chmodSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Socket } from "node:net";
import mqttPacket from "mqtt-packet";

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
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", upstreamInflightCountMax: 0 }] }, "mqtt.bridgeFrom[0].upstreamInflightCountMax"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", upstreamInflightCountMax: 65_536 }] }, "mqtt.bridgeFrom[0].upstreamInflightCountMax"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", sessionExpirySeconds: -1 }] }, "mqtt.bridgeFrom[0].sessionExpirySeconds"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", sessionExpirySeconds: 2 ** 32 }] }, "mqtt.bridgeFrom[0].sessionExpirySeconds"],
    [{ bridgeFrom: [{ url: "mqtt://x:1", filters: ["a"], clientId: "c", protocolVersion: 3 }] }, "mqtt.bridgeFrom[0].protocolVersion"],
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
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("a/x", 100);
      await publish("b/x", 10);
      await until("100 messages", () => rec.payloads.size >= 100);
      await new Promise((r) => setTimeout(r, 100));
      expect(rec.payloads.size).toBe(100);
      expect(bridge.stats[0].stored.value).toBe(100);
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
    await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
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
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("c/x", 10);
      await until("all 10 despite two failures", () => rec.payloads.size >= 10);
      expect(failures).toBe(2);
      expect(bridge.stats[0].connects.value).toBeGreaterThanOrEqual(3);
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
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("d/x", 30);
      await until("30 handled", () => bridge.stats[0].stored.value + bridge.stats[0].refused.value >= 30);
      expect(bridge.stats[0].refused.value).toBe(3);
      expect(stored.size).toBe(27);
      expect(bridge.stats[0].connects.value).toBe(1);
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
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("e/x", 30);
      await until("30 stored in groups of 10", () => stored.size >= 30);
      expect(bridge.stats[0].stored.value).toBe(30);
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
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("f/x", 12); // Mosquitto sends all 12 at once (Receive Maximum 65535)
      await until("4 waiting", () => waiting.length >= 4);
      await new Promise((r) => setTimeout(r, 200));
      expect(waiting.length).toBe(4);
      const deadline = Date.now() + 10_000;
      while (bridge.stats[0].stored.value < 12) {
        if (Date.now() > deadline) throw new Error(`only ${bridge.stats[0].stored.value} of 12 stored`);
        for (const w of waiting.splice(0)) w();
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(peak).toBe(4);
    } finally {
      await bridge.close();
    }
  });
});

describe("mqtt.bridgeFrom's window at the upstream (MQTT 5 Receive Maximum)", () => {
  it("defaults to MQTT 5 with Receive Maximum 65535, a 1-day session and 1000 messages held", () => {
    const c = entry("defaults", ["z/#"]);
    expect([c.protocolVersion, c.upstreamInflightCountMax, c.sessionExpirySeconds, c.inflightCountMax]).toEqual([5, 65_535, 86_400, 1000]);
  });

  it("upstreamInflightCountMax: Mosquitto sends no more un-acked messages than it, then the rest as acks go out", async () => {
    const waiting: Array<() => void> = [];
    const held: IngestBridged = () => new Promise((resolve) => void waiting.push(() => resolve("stored")));
    const bridge = startBridgeFrom([entry("bridge-rm", ["rm/#"], { upstreamInflightCountMax: 5, inflightCountMax: 100 })], held, log);
    try {
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
      await publish("rm/x", 30);
      await until("5 sent", () => waiting.length >= 5);
      await new Promise((r) => setTimeout(r, 300));
      expect(waiting.length).toBe(5); // ledge would hold 100: the upstream stopped at our bound
      expect(bridge.stats[0].inflight.value).toBe(5);
      const deadline = Date.now() + 10_000;
      while (bridge.stats[0].stored.value < 30) {
        if (Date.now() > deadline) throw new Error(`only ${bridge.stats[0].stored.value} of 30 stored`);
        for (const w of waiting.splice(0)) w();
        await new Promise((r) => setTimeout(r, 20));
      }
      await until("30 acks", () => bridge.stats[0].acksSent.value === 30);
      expect(bridge.stats[0].messagesIn.value).toBe(30);
      expect(bridge.stats[0].inflight.value).toBe(0);
    } finally {
      await bridge.close();
    }
  });
});

describe("mqtt.bridgeFrom per-link metrics and log", () => {
  it("counts in, acks and in flight per link, and DUP redeliveries after a reconnect", async () => {
    const hanging: IngestBridged = () => new Promise(() => {});
    const first = startBridgeFrom([entry("bridge-m", ["m/#"])], hanging, log);
    await until("the subscription", () => first.stats[0].subscribes.value === 1);
    await publish("m/x", 10);
    await until("10 waiting for their commit", () => first.stats[0].inflight.value === 10);
    expect(first.stats[0].acksSent.value).toBe(0);
    await first.close(); // never acked: the upstream keeps all 10 in flight for the session

    const metrics = new Metrics();
    const rec = recorder();
    const second = startBridgeFrom([entry("bridge-m", ["m/#"])], rec.ingest, log, metrics);
    try {
      await until("all 10 stored and acked", () => rec.payloads.size === 10 && second.stats[0].acksSent.value === 10);
      const s = second.stats[0];
      expect([s.messagesIn.value, s.redelivered.value, s.stored.value, s.inflight.value]).toEqual([10, 10, 10, 0]);
      const link = `bridge-m@127.0.0.1:${mosquitto.port}`;
      const text = metrics.toPrometheus();
      for (const [name, value] of [["messages_in_total", 10], ["redelivered_total", 10], ["acks_sent_total", 10], ["connects_total", 1], ["reconnects_total", 0]]) {
        expect(text).toContain(`ledge_mqtt_bridge_from_${name}{link="${link}"} ${value}`);
      }
      expect(text).toContain(`ledge_mqtt_bridge_from_inflight{link="${link}"} 0`);
    } finally {
      await second.close();
    }
  });

  it("counts the upstream's SUBACK refusal and DISCONNECT reason codes, logs them, and reconnects", async () => {
    // A fake MQTT 5 upstream: accepts the CONNECT, refuses the filter (0x87), then sends
    // DISCONNECT 0x89 (Server busy) with a reason string.
    const sockets = new Set<Socket>();
    const server = createServer((sock) => {
      sockets.add(sock);
      const parser = mqttPacket.parser({ protocolVersion: 5 });
      const send = (p: object) => sock.write(mqttPacket.generate(p as mqttPacket.Packet, { protocolVersion: 5 }));
      parser.on("packet", (p) => {
        if (p.cmd === "connect") send({ cmd: "connack", sessionPresent: false, reasonCode: 0 });
        if (p.cmd === "subscribe") {
          send({ cmd: "suback", messageId: p.messageId, granted: [0x87] });
          send({ cmd: "disconnect", reasonCode: 0x89, properties: { reasonString: "try later" } });
          sock.end();
        }
      });
      sock.on("data", (d) => parser.parse(d));
      sock.on("error", () => {});
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const metrics = new Metrics();
    const lines: string[] = [];
    const config = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url: `mqtt://127.0.0.1:${port}`, filters: ["x/#"], clientId: "bridge-busy", reconnectMs: 100 }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([config], recorder().ingest, createLogger("test", (l) => void lines.push(l)), metrics);
    try {
      await until("a reconnect", () => bridge.stats[0].reconnects.value >= 1);
      const link = `bridge-busy@127.0.0.1:${port}`;
      await until("two DISCONNECTs counted", () => metrics.toPrometheus().includes(`{link="${link}",packet="disconnect",code="0x89"} 2`));
      expect(metrics.toPrometheus()).toMatch(new RegExp(`\\{link="${link}",packet="suback",code="0x87"\\} [12]`));
      expect(lines.some((l) => l.includes("upstream refused the subscription to x/# (0x87: Subscribe error: Not authorized)"))).toBe(true);
      expect(lines.some((l) => l.includes("disconnected by the upstream (reason 0x89: try later)"))).toBe(true);
    } finally {
      await bridge.close();
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it("counts a CONNACK refusal's reason code and keeps retrying", async () => {
    const closed = await startMosquitto(["allow_anonymous false"]);
    const metrics = new Metrics();
    const lines: string[] = [];
    const config = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url: `mqtt://127.0.0.1:${closed.port}`, filters: ["x/#"], clientId: "bridge-refused", reconnectMs: 100 }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([config], recorder().ingest, createLogger("test", (l) => void lines.push(l)), metrics);
    try {
      await until("two refusals", () => metrics.toPrometheus().includes(`packet="connack",code="0x87"} 2`));
      expect(bridge.stats[0].connects.value).toBe(0);
      expect(lines.some((l) => l.includes("bridge-refused") && /Not authorized/i.test(l))).toBe(true);
    } finally {
      await bridge.close();
      await closed.stop();
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
      expect(bridge.stats[0].connects.value).toBe(0);
    } finally {
      await bridge.close();
    }
  });

  it("does not put the upstream password in log lines", async () => {
    const lines: string[] = [];
    const config = readBridgeFromConfig(new ConfigReader({ bridgeFrom: [{ url: `mqtt://u:hunter2@127.0.0.1:${mosquitto.port}`, filters: ["y/#"], clientId: "bridge-pw", password: "hunter2" }] }, "mqtt"))[0];
    const bridge = startBridgeFrom([config], recorder().ingest, createLogger("test", (l) => void lines.push(l)));
    try {
      await until("the subscription", () => bridge.stats[0].subscribes.value === 1);
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
      await until("the TLS subscription", () => bridge.stats[0].subscribes.value === 1);
      const pub = await mqtt.connectAsync(url, { ca: trusted.tls!.ca, reconnectPeriod: 0 });
      for (let i = 0; i < 5; i++) await pub.publishAsync("t/x", `tls${i}`, { qos: 1 });
      await pub.endAsync();
      await until("5 messages over TLS", () => rec.payloads.size >= 5);
      await until("the untrusted bridge's certificate error", () => lines.some((l) => l.includes("bridge-untrusted") && /certificate/i.test(l)));
      expect(bridge.stats[1].connects.value).toBe(0);
    } finally {
      await bridge.close();
      await tlsBroker.stop();
      rmSync(certs.dir, { recursive: true, force: true });
    }
  });
});
