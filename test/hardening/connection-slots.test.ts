// Connection slots cannot be held by silent, trickling or crowding clients: the Kafka listener
// closes a connection that sends no complete request (or, with SASL, does not authenticate)
// within listeners.kafka.handshakeMsMax, and one whose request frame does not complete within
// listeners.kafka.requestReadMsMax of its first byte (a byte now and then no longer keeps it);
// every listener caps the connections from one source address; the HTTP listener caps all
// connections; running out of file descriptors is logged once a minute with what to do.
import { afterAll, describe, expect, it } from "vitest";
import { connect, type Socket } from "node:net";
import { spawn } from "node:child_process";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { startTestGateway } from "../kafka/helpers/gateway.ts";
import { unusedLog } from "../kafka/helpers/unused-log.ts";
import { ledgeBin, ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opened: Socket[] = [];
afterAll(() => opened.forEach((s) => s.destroy()));

/** A TCP connection that sends nothing; resolves once connected, with a `closed` flag. */
function silent(port: number): Promise<Socket & { wasClosed?: boolean }> {
  return new Promise((resolve, reject) => {
    const s: Socket & { wasClosed?: boolean } = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", () => {});
    s.once("close", () => (s.wasClosed = true));
    s.once("error", reject);
    opened.push(s);
  });
}

async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; !check(); await sleep(20)) if (Date.now() > end) return false;
  return true;
}

describe("listeners.kafka.handshakeMsMax", () => {
  it("closes a connection that sends no complete request in time; a client that does stays", async () => {
    const gw = await startTestGateway(unusedLog, { handshakeMsMax: 300 });
    const quiet = await RawKafkaClient.open(gw.port);
    const talker = await RawKafkaClient.open(gw.port);
    await talker.request(18, 0, {});
    expect(await quiet.closesWithin(5000)).toBe(true);
    await sleep(400);
    expect((await talker.request(18, 0, {})).body.errorCode).toBe(0);
    expect(gw.logLines.some((l) => /did not send a complete request within 300 ms of connecting \(listeners.kafka.handshakeMsMax\)/.test(l))).toBe(true);
    talker.destroy();
    await gw.close();
  });

  it("on a SASL listener, closes a client that asks ApiVersions but never authenticates", async () => {
    const gw = await startTestGateway(unusedLog, { handshakeMsMax: 300, sasl: { users: [{ name: "u", password: "p" }] } });
    const c = await RawKafkaClient.open(gw.port);
    expect((await c.request(18, 0, {})).body.errorCode).toBe(0);
    expect(await c.closesWithin(5000)).toBe(true);
    expect(gw.logLines.some((l) => /did not complete SASL authentication within 300 ms/.test(l))).toBe(true);
    await gw.close();
  });
});

describe("listeners.kafka.requestReadMsMax", () => {
  it("closes a connection whose request trickles in a byte at a time", async () => {
    const gw = await startTestGateway(unusedLog, { requestReadMsMax: 400, connectionIdleMsMax: 60_000 });
    const c = await RawKafkaClient.open(gw.port);
    await c.request(18, 0, {});
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 40]), Buffer.alloc(40)]);
    let sent = 0;
    const trickle = setInterval(() => void (sent < frame.length && !c.isClosed && c.write(frame.subarray(sent, ++sent))), 100);
    expect(await c.closesWithin(5000)).toBe(true);
    clearInterval(trickle);
    expect(sent).toBeLessThan(frame.length); // closed before the frame could complete
    expect(gw.logLines.some((l) => /did not arrive whole within 400 ms of its first byte \(listeners.kafka.requestReadMsMax/.test(l))).toBe(true);
    await gw.close();
  });

  it("a frame split over several writes is served", async () => {
    const gw = await startTestGateway(unusedLog, { requestReadMsMax: 30_000 });
    const c = await RawKafkaClient.open(gw.port);
    const payload = c.encode(18, 0, {});
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    const bytes = Buffer.concat([size, payload]);
    for (let i = 0; i < bytes.length; i++) {
      c.write(bytes.subarray(i, i + 1));
      await sleep(5);
    }
    expect(await c.next()).not.toBeNull();
    c.destroy();
    await gw.close();
  });
});

describe("listeners.kafka.connectionCountPerAddressMax", () => {
  it("refuses a host's connections past its bound with a log line; its open ones keep working", async () => {
    const gw = await startTestGateway(unusedLog, { connectionCountPerAddressMax: 3 });
    const clients = await Promise.all([1, 2, 3].map(() => RawKafkaClient.open(gw.port)));
    for (const c of clients) await c.request(18, 0, {});
    const fourth = await RawKafkaClient.open(gw.port);
    expect(await fourth.closesWithin(3000)).toBe(true);
    expect(gw.logLines.some((l) => /3 are open from that address, the listeners.kafka.connectionCountPerAddressMax bound/.test(l))).toBe(true);
    expect((await clients[0].request(18, 0, {})).body.errorCode).toBe(0);
    clients[0].destroy();
    await until(() => true, 100);
    await sleep(100);
    const again = await RawKafkaClient.open(gw.port); // a slot came back
    expect((await again.request(18, 0, {})).body.errorCode).toBe(0);
    for (const c of [...clients, again]) c.destroy();
    await gw.close();
  });
});

describe("HTTP and MQTT listeners", () => {
  let ledge: LedgeProcess;
  afterAll(async () => {
    ledge?.child.kill("SIGKILL");
    await ledge?.exited;
  });

  it("listeners.http.connectionCountMax and connectionCountPerAddressMax; listeners.mqtt.connectionCountPerAddressMax", async () => {
    const dirs = await ledgeDirs("ledge-slots-", "mqtt: { allowAnonymous: true }\nlisteners:\n  http: { connectionCountMax: 4, connectionCountPerAddressMax: 100 }\n  mqtt: { connectionCountPerAddressMax: 2 }\n");
    ledge = await startLedge(dirs.args);
    const http = await Promise.all([1, 2, 3, 4].map(() => silent(ledge.ports.http!)));
    const fifth = await silent(ledge.ports.http!);
    expect(await until(() => fifth.wasClosed === true)).toBe(true);
    expect(ledge.stderr()).toMatch(/refused a connection from 127.0.0.1 on listeners.http: 4 are open, the listeners.http.connectionCountMax bound/);
    http.forEach((s) => s.destroy());
    await sleep(100);
    expect((await fetch(`http://127.0.0.1:${ledge.ports.http}/healthz`)).status).toBe(200);

    const mqttSockets = await Promise.all([1, 2].map(() => silent(ledge.ports.mqtt!)));
    const third = await silent(ledge.ports.mqtt!);
    expect(await until(() => third.wasClosed === true)).toBe(true);
    expect(ledge.stderr()).toMatch(/on listeners.mqtt: 2 are open from that address, the listeners.mqtt.connectionCountPerAddressMax bound/);
    mqttSockets.forEach((s) => s.destroy());
    await dirs.remove();
  });
});

describe("file descriptors", () => {
  it("runs with the soft open-files limit raised to the hard one, and logs EMFILE once per minute with what to do", async () => {
    const dirs = await ledgeDirs("ledge-fds-", "mqtt: { allowAnonymous: true }\n");
    // prlimit starts ledge with a soft limit of 64 under a hard one of 160.
    const child = spawn("prlimit", ["--nofile=64:160", process.execPath, ledgeBin, "start", "--host", "127.0.0.1", "--mqtt-port", "0", "--kafka-port", "0", "--http-port", "0", ...dirs.args], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => (stdout += d));
    try {
      expect(await until(() => /ledge ready/.test(stdout), 20_000)).toBe(true);
      const ports = JSON.parse(/ledge ready (\{.*\})/.exec(stdout)![1]);
      const limits = (await import("node:fs")).readFileSync(`/proc/${child.pid}/limits`, "utf8");
      expect(limits).toMatch(/Max open files\s+160\s+160/);
      const sockets = [];
      for (let i = 0; i < 200; i++) sockets.push(await silent(ports.kafka));
      expect(await until(() => /run out of file descriptors/.test(stderr), 15_000)).toBe(true);
      await sleep(300);
      expect(stderr.match(/run out of file descriptors/g)!.length).toBe(1);
      expect(stderr).toMatch(/EMFILE.*ulimit -n, or LimitNOFILE=/);
      sockets.forEach((s) => s.destroy());
      await sleep(300);
      expect((await fetch(`http://127.0.0.1:${ports.http}/healthz`)).status).toBe(200);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill("SIGKILL");
      await dirs.remove();
    }
  });
});

describe("Kafka per-client log lines", () => {
  it("are rate-limited at every level: 100 bad clients make at most 20 lines in 10 s", async () => {
    const { readConfig } = await import("../../runtime/config/index.ts");
    const { createLogger } = await import("../../runtime/logger.ts");
    const { Metrics } = await import("../../runtime/metrics/index.ts");
    const { startKafkaGateway } = await import("../../gateways/kafka/server.ts");
    const lines: string[] = [];
    const gw = await startKafkaGateway({ config: readConfig({ listeners: { kafka: { host: "127.0.0.1", port: 0 } } }), log: unusedLog, logger: createLogger("t", (l) => void lines.push(l)), metrics: new Metrics() });
    for (let i = 0; i < 100; i++) {
      const c = await RawKafkaClient.open(gw.port);
      c.write(Buffer.from([0x80, 0, 0, 0])); // a negative frame size: closed with a warning
      expect(await c.closesWithin(3000)).toBe(true);
    }
    expect(lines.length).toBe(20);
    await gw.close();
  });
});
