// MQTT over TLS: the MQTT port speaks TLS when listeners.mqtt.tls names a cert and key. Real
// clients (mosquitto_pub, MQTT.js) against throwaway certificates made by openssl; client
// certificates signed by the configured CA are identities (CN → mqtt.users certificateCN).
import { readFileSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { hashPassword } from "../../gateways/mqtt/auth-password.ts";
import { createMqttTlsServer } from "../../gateways/mqtt/transports-tls.ts";
import { ConfigError } from "../../runtime/config/errors.ts";
import { createLogger } from "../../runtime/logger.ts";
import { makeTestCa, type TestCerts } from "../helpers/certs.ts";
import { collect, startGateway, type GatewayFixture, type Inbox } from "./helpers/gateway-fixture.ts";

const run = promisify(execFile);
let certs: TestCerts;
const pem = (name: string) => certs.path(name);
let f: GatewayFixture;
let watcher: MqttClient;
let watched: Inbox;

beforeAll(async () => {
  certs = await makeTestCa();
  await certs.issue("server", "127.0.0.1", "ca", "IP:127.0.0.1,DNS:localhost");
  await certs.issue("device17", "device-17", "ca");
  await certs.issue("device99", "device-99", "ca");
  await certs.issue("rogue17", "device-17", "self");
  const cheap = { N: 1024, r: 8, p: 1 };
  f = await startGateway({
    listeners: { mqtt: { host: "127.0.0.1", port: 0, tls: { cert: pem("server.pem"), key: pem("server.key"), ca: pem("ca.pem") } } },
    mqtt: {
      allowAnonymous: false,
      users: [
        { username: "alice", passwordHash: hashPassword("alice-pw", cheap), acl: { publish: ["sensors/alice/#"], subscribe: ["sensors/#"] } },
        { username: "watcher", passwordHash: hashPassword("watcher-pw", cheap) },
        { certificateCN: "device-17", acl: { publish: ["dev/17/#"], subscribe: ["dev/17/#"] } },
      ],
    },
  });
  watcher = await connectTls({ username: "watcher", password: "watcher-pw" });
  watched = collect(watcher);
  await watcher.subscribeAsync("#", { qos: 1 });
});
afterAll(async () => {
  watcher?.end(true);
  await f?.close();
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

function connectTls(options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect(`mqtts://127.0.0.1:${f.port}`, { ca: readFileSync(pem("ca.pem")), reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (err) => (client.end(true), reject(err)));
  });
}

const clientCert = (name: string) => ({ cert: readFileSync(pem(`${name}.pem`)), key: readFileSync(pem(`${name}.key`)) });

async function seen(payload: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!watched.got.some((g) => g.payload.toString() === payload)) {
    if (Date.now() > deadline) throw new Error(`the watcher never received '${payload}'`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("MQTT over TLS", () => {
  it("takes a QoS 1 publish from mosquitto_pub --cafile with username and password", async () => {
    await run("mosquitto_pub", ["--cafile", pem("ca.pem"), "-h", "127.0.0.1", "-p", String(f.port),
      "-u", "alice", "-P", "alice-pw", "-i", "mosq-tls", "-t", "sensors/alice/t", "-m", "from-mosquitto", "-q", "1"], { timeout: 10_000 });
    await seen("from-mosquitto");
  });

  it.each([4, 5] as const)("serves MQTT.js over mqtts:// (protocol %i)", async (protocolVersion) => {
    const alice = await connectTls({ protocolVersion, username: "alice", password: "alice-pw" });
    await alice.publishAsync("sensors/alice/t", `mqttjs-${protocolVersion}`, { qos: 1 });
    await seen(`mqttjs-${protocolVersion}`);
    await alice.endAsync();
  });

  it("takes a CA-signed client certificate's CN as the identity, with that user's ACL", async () => {
    const device = await connectTls({ protocolVersion: 5, ...clientCert("device17") });
    await device.publishAsync("dev/17/temp", "cert-ok", { qos: 1 });
    await seen("cert-ok");
    await expect(device.publishAsync("sensors/alice/t", "cert-denied", { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    await device.endAsync();
    await run("mosquitto_pub", ["--cafile", pem("ca.pem"), "--cert", pem("device17.pem"), "--key", pem("device17.key"),
      "-h", "127.0.0.1", "-p", String(f.port), "-i", "mosq-cert", "-t", "dev/17/x", "-m", "mosq-cert-ok", "-q", "1"], { timeout: 10_000 });
    await seen("mosq-cert-ok");
  });

  it("refuses a CA-signed certificate whose CN matches no user (not authorized)", async () => {
    await expect(connectTls({ protocolVersion: 5, ...clientCert("device99") })).rejects.toMatchObject({ code: 0x87 });
    await expect(connectTls({ protocolVersion: 4, ...clientCert("device99") })).rejects.toMatchObject({ code: 5 });
  });

  it("does not trust a self-signed certificate claiming a known CN", async () => {
    await expect(connectTls({ protocolVersion: 5, ...clientCert("rogue17") })).rejects.toMatchObject({ code: 0x87 });
  });

  it("closes clear-text MQTT clients on the TLS port, logs it once per interval; others keep working", async () => {
    const plainClient = () => new Promise<boolean>((resolve) => {
      const s = tcpConnect({ host: "127.0.0.1", port: f.port }, () => s.write(Buffer.from("101000044d5154540402003c0004746573", "hex")));
      s.on("error", () => {});
      s.once("close", () => resolve(true));
      setTimeout(() => (s.destroy(), resolve(false)), 12_000);
    });
    const before = f.logLines.filter((l) => l.includes("TLS handshake with")).length;
    for (let i = 0; i < 3; i++) expect(await plainClient()).toBe(true);
    const lines = f.logLines.filter((l) => l.includes("TLS handshake with")).length - before;
    expect(lines).toBe(1); // three failures, one line: a scanner cannot flood the log
    expect(f.logLines.filter((l) => l.includes("TLS handshake with")).at(-1)).toMatch(/TLS handshake with 127\.0\.0\.1 failed: .*wrong version number/);
    await watcher.publishAsync("after/plain", "still-up", { qos: 1 });
    await seen("still-up");
  });

  it("fails the handshake for a client that does not trust the server's CA", async () => {
    const err = await connectTls({ ca: undefined, rejectUnauthorized: true }).then(() => undefined, (e: Error) => e);
    expect(err).toMatchObject({ code: "SELF_SIGNED_CERT_IN_CHAIN" });
  });
});

describe("TLS config mistakes stop start-up naming the key", () => {
  const tryServer = (tls: { cert: string; key: string; ca?: string }) => {
    try {
      createMqttTlsServer(tls, () => {}, createLogger("test", () => {})).close();
      return undefined;
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).key;
    }
  };

  it.each([
    ["a missing certificate file", { cert: "/nonexistent/server.pem", key: "server.key" }, "listeners.mqtt.tls.cert"],
    ["a missing CA file", { cert: "server.pem", key: "server.key", ca: "/nonexistent/ca.pem" }, "listeners.mqtt.tls.ca"],
    ["a key that does not match the certificate", { cert: "server.pem", key: "device17.key" }, "listeners.mqtt.tls"],
    ["a key file that is not PEM", { cert: "server.pem", key: "server.ext" }, "listeners.mqtt.tls"],
  ])("%s", (_what, files, key) => {
    const abs = (f: string | undefined) => (f === undefined || f.startsWith("/") ? f : pem(f));
    expect(tryServer({ cert: abs(files.cert)!, key: abs(files.key)!, ca: abs((files as { ca?: string }).ca) })).toBe(key);
  });
});
