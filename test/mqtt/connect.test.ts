// CONNECT / CONNACK: any Duplex stream works (the seam TLS and WebSocket use), session
// takeover [MQTT-3.1.4-3], client id rules [MQTT-3.1.3-8], keep-alive capping.
import { Duplex, PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mqttPacket, { type IConnackPacket, type IDisconnectPacket, type Packet } from "mqtt-packet";
import { sleep, startGateway, type GatewayFixture } from "./helpers/gateway-fixture.ts";
import { rawClient, rawConnected } from "./helpers/raw-client.ts";

let f: GatewayFixture;
beforeAll(async () => {
  f = await startGateway({ mqtt: { allowAnonymous: true, limits: { keepAliveSecondsMax: 60 } } });
});
afterAll(async () => f?.close());

/** An in-memory connection: what the test writes, the broker reads, and back. */
function memoryPair() {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverSide = Duplex.from({ readable: toServer, writable: toClient });
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  const got: Packet[] = [];
  parser.on("packet", (p: Packet) => got.push(p));
  toClient.on("data", (d: Buffer) => parser.parse(d));
  const send = (p: Packet) => toServer.write(mqttPacket.generate(p, { protocolVersion: 5 }));
  return { serverSide, got, send };
}

async function waitFor<T>(fn: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("CONNECT", () => {
  it("handleConnection takes any Duplex: an in-memory stream speaks MQTT 5 end to end", async () => {
    const { serverSide, got, send } = memoryPair();
    f.gateway.handleConnection(serverSide, { remoteAddress: "memory" });
    send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "in-memory", clean: true, keepalive: 0 });
    const ack = await waitFor(() => got.find((p) => p.cmd === "connack") as IConnackPacket | undefined, "CONNACK");
    expect(ack.reasonCode).toBe(0);
    expect(ack.properties?.serverKeepAlive).toBe(60); // 0 asks for none; we cap at keepAliveSecondsMax
    send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "mem/#", qos: 1 }] });
    await waitFor(() => got.find((p) => p.cmd === "suback"), "SUBACK");
    send({ cmd: "publish", topic: "mem/x", payload: Buffer.from("loop"), qos: 1, messageId: 2, dup: false, retain: false });
    await waitFor(() => got.find((p) => p.cmd === "puback"), "PUBACK");
    const delivered = await waitFor(() => got.find((p) => p.cmd === "publish"), "PUBLISH");
    expect(delivered).toMatchObject({ topic: "mem/x", qos: 1 });
    serverSide.destroy();
  });

  it("a second connection with the same client id takes the session over: 0x8E to the first [MQTT-3.1.4-3]", async () => {
    const first = await rawConnected(f.port, 5, "twin");
    const second = await rawConnected(f.port, 5, "twin");
    expect(((await first.next("disconnect")) as IDisconnectPacket).reasonCode).toBe(0x8e);
    expect(await first.closed()).toBe(true);
    second.send({ cmd: "pingreq" });
    await second.next("pingresp");
    second.end();
  });

  it("3.1.1: an empty client id without clean session is refused with return code 2 [MQTT-3.1.3-8]", async () => {
    const c = await rawClient(f.port, 4);
    // CONNECT "MQTT" level 4, flags 0 (clean session off), keep alive 30, client id "" (MQTT.js won't send it)
    c.sendBytes(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 30, 0, 0]));
    expect(((await c.next("connack")) as IConnackPacket).returnCode).toBe(2);
    expect(await c.closed()).toBe(true);
  });

  it("MQTT 5 keep alive above keepAliveSecondsMax is lowered via Server Keep Alive", async () => {
    const c = await rawClient(f.port, 5);
    c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion: 5, clientId: "long-ka", clean: true, keepalive: 600 });
    expect(((await c.next("connack")) as IConnackPacket).properties?.serverKeepAlive).toBe(60);
    c.end();
  });
});
