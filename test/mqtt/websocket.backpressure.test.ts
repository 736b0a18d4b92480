// The WebSocket → Duplex adapter under load, on a real HTTP server and real sockets: a broker
// that stops reading makes the socket pause (bounded buffering), and a client that stops
// reading makes the Duplex report backpressure to the broker (write() returns false).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { afterEach, expect, it } from "vitest";
import WebSocket from "ws";
import { createLogger } from "../../runtime/logger.ts";
import { attachMqttWebSocket, type MqttWebSocket, type UpgradeRouter } from "../../gateways/mqtt/transports-websocket.ts";

const log = createLogger("test", () => {});
let server: Server | undefined;
let attached: MqttWebSocket | undefined;

afterEach(async () => {
  await attached?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** An HTTP server routing upgrades like gateways/http does, with `handle` behind /mqtt. */
async function serve(handle: (stream: Duplex) => void): Promise<string> {
  const routes = new Map<string, Parameters<UpgradeRouter["onUpgrade"]>[1]>();
  server = createServer();
  server.on("upgrade", (req, socket, head) => routes.get(req.url ?? "")?.(req, socket, head));
  attached = attachMqttWebSocket({ onUpgrade: (p, h) => void routes.set(p, h) }, (s) => handle(s), log, { messageBytesMax: 1024 * 1024 });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `ws://127.0.0.1:${(server!.address() as AddressInfo).port}/mqtt`;
}

function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, ["mqtt"]);
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

it("pauses the socket while the broker does not read, instead of buffering", async () => {
  let stream: Duplex | undefined;
  const url = await serve((s) => {
    stream = s;
    s.pause(); // a broker busy with earlier packets
  });
  const ws = await open(url);
  const chunk = Buffer.alloc(64 * 1024, 0x30);
  const sentBytesMax = 32 * 1024 * 1024;
  let sent = 0;
  // Send until the client's own buffer backs up (the server stopped reading), bounded.
  while (sent < sentBytesMax && ws.bufferedAmount < 4 * 1024 * 1024) {
    ws.send(chunk);
    sent += chunk.length;
    if (sent % (1024 * 1024) === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 200));
  expect(ws.bufferedAmount, "the client should be held back").toBeGreaterThan(0);
  expect(stream!.readableLength, "the server buffered what it should have refused").toBeLessThan(2 * 1024 * 1024);
  // Reading again drains it all.
  let received = 0;
  stream!.on("data", (d: Buffer) => (received += d.length));
  stream!.resume();
  const deadline = Date.now() + 10_000;
  while (received < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(received).toBe(sent);
  ws.terminate();
});

it("tells the broker to wait (write() false) while the client does not read", async () => {
  let stream: Duplex | undefined;
  const url = await serve((s) => void (stream = s));
  const ws = await open(url);
  (ws as unknown as { _socket: { pause(): void } })._socket.pause(); // a subscriber that stopped reading
  await new Promise((r) => setTimeout(r, 50));
  const chunk = Buffer.alloc(64 * 1024, 0x31);
  let writes = 0;
  while (stream!.write(chunk) && writes < 2000) writes++;
  expect(writes, "write() never signalled backpressure").toBeLessThan(2000);
  expect(stream!.writableNeedDrain).toBe(true);
  ws.terminate();
});
