// MQTT over WebSocket at `/mqtt` on the HTTP port (MQTT 5 section 6). The client must offer
// the subprotocol "mqtt" (or the 3.1 draft's "mqttv3.1") [MQTT-6.0.0-3]; MQTT packets travel
// in binary frames, and a text frame closes the connection [MQTT-6.0.0-1]. A packet may span
// frames or share one, so the broker core reads a byte stream: ws's createWebSocketStream
// gives a Duplex that pauses the socket when the reader falls behind (backpressure) and sends
// each write as a binary frame.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, createWebSocketStream, type WebSocket } from "ws";
import type { Logger } from "../../runtime/logger.ts";
import type { ConnectionHandler } from "./transports-tls.ts";

export const mqttWebSocketPath = "/mqtt";
const subprotocols = ["mqtt", "mqttv3.1"];

export interface UpgradeRouter {
  onUpgrade(path: string, handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void;
}

export interface MqttWebSocket {
  /** Closes every MQTT-over-WebSocket connection (the HTTP server closes separately). */
  close(): Promise<void>;
}

export interface MqttWebSocketOptions {
  /** Largest WebSocket message accepted; a bigger one closes the connection (1009). */
  messageBytesMax: number;
}

function refuse(socket: Duplex, status: string, why: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(why)}\r\n\r\n${why}`);
}

function offeredProtocol(req: IncomingMessage): string | undefined {
  const header = req.headers["sec-websocket-protocol"];
  if (typeof header !== "string") return undefined;
  const offered = header.split(",").map((p) => p.trim());
  return subprotocols.find((p) => offered.includes(p));
}

function adapt(ws: WebSocket, req: IncomingMessage, handle: ConnectionHandler, log: Logger): void {
  const stream = createWebSocketStream(ws);
  // Registered before the stream's own listener runs for the next frame: a text frame
  // destroys the stream, so its bytes never reach the MQTT parser.
  ws.prependListener("message", (_data: unknown, isBinary: boolean) => {
    if (isBinary) return;
    log.warn(`MQTT over WebSocket from ${req.socket.remoteAddress}: text frame received; closing (MQTT needs binary frames)`);
    ws.close(1003, "MQTT over WebSocket takes binary frames only");
    stream.destroy();
  });
  stream.on("error", () => stream.destroy()); // ws already closed the socket; the core sees 'close'
  handle(stream, { remoteAddress: req.socket.remoteAddress, remoteIp: req.socket.remoteAddress });
}

/** Routes `/mqtt` upgrades on the HTTP gateway to the broker core. */
export function attachMqttWebSocket(http: UpgradeRouter, handle: ConnectionHandler, log: Logger, options: MqttWebSocketOptions): MqttWebSocket {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.messageBytesMax,
    handleProtocols: (offered) => subprotocols.find((p) => offered.has(p)) ?? false,
    perMessageDeflate: false,
  });
  http.onUpgrade(mqttWebSocketPath, (req, socket, head) => {
    if (offeredProtocol(req) === undefined) {
      return refuse(socket, "400 Bad Request", "MQTT over WebSocket needs the subprotocol header 'Sec-WebSocket-Protocol: mqtt'\n");
    }
    wss.handleUpgrade(req, socket, head, (ws) => adapt(ws, req, handle, log));
  });
  return {
    close: () => new Promise((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
  };
}
