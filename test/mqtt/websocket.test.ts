// MQTT over WebSocket at /mqtt on the HTTP port of a real `ledge start` process: MQTT.js over
// ws://, packets split across and packed into frames, and bad input at the WebSocket layer
// (no subprotocol, text frames, oversize messages, garbage) each on its own connection.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import mqttPacket from "mqtt-packet";
import WebSocket from "ws";
import { metricValue, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";

const dir = mkdtempSync(join(tmpdir(), "ledge-ws-"));
let ledge: LedgeProcess;
let wsUrl: string;

beforeAll(async () => {
  const config = join(dir, "ledge.yaml");
  writeFileSync(config, "mqtt: { allowAnonymous: true, limits: { packetBytesMax: 64KiB } }\n");
  ledge = await startLedge(["--config", config, "--data-dir", join(dir, "data")]);
  wsUrl = `ws://127.0.0.1:${ledge.ports.http}/mqtt`;
});
afterAll(async () => {
  if (ledge) {
    ledge.child.kill("SIGTERM");
    await ledge.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function connect(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  return new Promise((resolve, reject) => {
    client.once("connect", () => resolve(client));
    client.once("error", (err) => (client.end(true), reject(err)));
  });
}

function nextMessage(client: MqttClient, timeLimitMs = 5000): Promise<{ topic: string; payload: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no message within the time limit")), timeLimitMs);
    client.once("message", (topic, payload) => {
      clearTimeout(timer);
      resolve({ topic, payload: payload.toString() });
    });
  });
}

/** A raw WebSocket speaking subprotocol mqtt; resolves once open. */
function rawSocket(protocols: string[] = ["mqtt"]): Promise<WebSocket> {
  const ws = new WebSocket(wsUrl, protocols);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

function closeCode(ws: WebSocket, timeLimitMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not close the WebSocket")), timeLimitMs);
    ws.once("close", (code) => (clearTimeout(timer), resolve(code)));
  });
}

const connectPacket = (clientId: string) => mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId, keepalive: 0 });

async function tcpStillWorks(tag: string): Promise<void> {
  const c = await connect(`mqtt://127.0.0.1:${ledge.ports.mqtt}`);
  await c.subscribeAsync(`alive/${tag}`, { qos: 1 });
  const got = nextMessage(c);
  await c.publishAsync(`alive/${tag}`, tag, { qos: 1 });
  expect((await got).payload).toBe(tag);
  await c.endAsync();
}

describe("MQTT over WebSocket", () => {
  it.each([4, 5] as const)("publishes and subscribes with MQTT.js over ws:// (protocol %i), across transports", async (protocolVersion) => {
    const wsClient = await connect(wsUrl, { protocolVersion });
    const tcpClient = await connect(`mqtt://127.0.0.1:${ledge.ports.mqtt}`, { protocolVersion });
    await wsClient.subscribeAsync(`ws/${protocolVersion}/to-ws`, { qos: 1 });
    await tcpClient.subscribeAsync(`ws/${protocolVersion}/to-tcp`, { qos: 1 });
    const toWs = nextMessage(wsClient);
    const toTcp = nextMessage(tcpClient);
    await tcpClient.publishAsync(`ws/${protocolVersion}/to-ws`, "hello ws", { qos: 1 });
    await wsClient.publishAsync(`ws/${protocolVersion}/to-tcp`, "hello tcp", { qos: 1 });
    expect(await toWs).toEqual({ topic: `ws/${protocolVersion}/to-ws`, payload: "hello ws" });
    expect(await toTcp).toEqual({ topic: `ws/${protocolVersion}/to-tcp`, payload: "hello tcp" });
    await Promise.all([wsClient.endAsync(), tcpClient.endAsync()]);
  });

  it("reads packets split across frames and packed several to a frame", async () => {
    const ws = await rawSocket();
    const replies: Buffer[] = [];
    ws.on("message", (d: Buffer) => replies.push(d));
    const connectBytes = connectPacket("ws-split");
    ws.send(connectBytes.subarray(0, 5));
    ws.send(connectBytes.subarray(5));
    const ping = mqttPacket.generate({ cmd: "pingreq" });
    ws.send(Buffer.concat([ping, ping]));
    const deadline = Date.now() + 5000;
    while (Buffer.concat(replies).length < 4 + 2 + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(Buffer.concat(replies).toString("hex")).toBe("20020000d000d000"); // CONNACK, PINGRESP, PINGRESP
    ws.close();
  });

  it("refuses an upgrade that does not offer the mqtt subprotocol [MQTT-6.0.0-3]", async () => {
    const ws = new WebSocket(wsUrl);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("open", () => reject(new Error("the upgrade was accepted without a subprotocol")));
      ws.once("error", () => {});
    });
    expect(status).toBe(400);
    await tcpStillWorks("no-subprotocol");
  });

  it("closes on a text frame [MQTT-6.0.0-1]", async () => {
    const ws = await rawSocket();
    ws.send(connectPacket("ws-text").toString("latin1")); // same bytes, but a text frame
    expect(await closeCode(ws)).toBe(1003);
    await tcpStillWorks("text-frame");
  });

  it("closes on a WebSocket message larger than the packet limit", async () => {
    const ws = await rawSocket();
    ws.send(connectPacket("ws-big"));
    ws.send(Buffer.alloc(200 * 1024, 0x30));
    expect(await closeCode(ws)).toBe(1009);
    await tcpStillWorks("oversize");
  });

  it("closes on garbage bytes instead of a CONNECT", async () => {
    const ws = await rawSocket();
    const protocolErrors = await metricValue(ledge.ports.http!, "ledge_mqtt_protocol_errors_total");
    ws.send(Buffer.from("ffffffffff00112233", "hex"));
    // Closed as a TCP connection would be on a malformed packet: no WebSocket status (1005),
    // counted as an MQTT protocol error (not a WebSocket framing refusal, which has a code).
    expect(await closeCode(ws)).toBe(1005);
    expect(await metricValue(ledge.ports.http!, "ledge_mqtt_protocol_errors_total")).toBe(protocolErrors + 1);
    await tcpStillWorks("garbage");
  });

  it("answers 404 for other upgrade paths", async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ledge.ports.http}/nope`, ["mqtt"]);
    const status = await new Promise<number>((resolve) => {
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.once("error", () => resolve(-1));
    });
    expect(status).toBe(404);
  });
});
