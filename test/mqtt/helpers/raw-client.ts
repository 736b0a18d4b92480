// A bare MQTT client over a socket: sends any bytes (valid or not) and parses what comes back,
// for tests of bad input and exact reason codes that MQTT.js would refuse to send.
import { connect, type Socket } from "node:net";
import mqttPacket, { type Packet } from "mqtt-packet";

export interface RawClient {
  socket: Socket;
  packets: Packet[];
  send(packet: Packet): void;
  sendBytes(bytes: Buffer): void;
  /** Waits (bounded) for a packet matching `cmd`. */
  next(cmd: Packet["cmd"], timeoutMs?: number): Promise<Packet>;
  /** Resolves true when the server closes the connection within the time. */
  closed(timeoutMs?: number): Promise<boolean>;
  end(): void;
}

export function rawClient(port: number, protocolVersion: 4 | 5 = 4): Promise<RawClient> {
  const socket = connect(port, "127.0.0.1");
  const parser = mqttPacket.parser({ protocolVersion });
  const packets: Packet[] = [];
  let ended = false;
  parser.on("packet", (p: Packet) => packets.push(p));
  socket.on("data", (d) => parser.parse(d));
  socket.on("error", () => {});
  socket.on("close", () => (ended = true));
  const client: RawClient = {
    socket, packets,
    send: (packet) => void socket.write(mqttPacket.generate(packet, { protocolVersion })),
    sendBytes: (bytes) => void socket.write(bytes),
    async next(cmd, timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = packets.findIndex((p) => p.cmd === cmd);
        if (i >= 0) return packets.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error(`no ${cmd} within ${timeoutMs} ms; got ${packets.map((p) => p.cmd).join(",")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async closed(timeoutMs = 3000) {
      const deadline = Date.now() + timeoutMs;
      while (!ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return ended;
    },
    end: () => void socket.destroy(),
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(client));
    socket.once("error", reject);
  });
}

/** Connects and completes CONNECT/CONNACK. */
export async function rawConnected(port: number, protocolVersion: 4 | 5 = 4, clientId = `raw-${Math.random().toString(36).slice(2)}`, extra: Partial<mqttPacket.IConnectPacket> = {}): Promise<RawClient> {
  const c = await rawClient(port, protocolVersion);
  c.send({ cmd: "connect", protocolId: "MQTT", protocolVersion, clientId, clean: true, keepalive: 60, ...extra });
  const ack = (await c.next("connack")) as mqttPacket.IConnackPacket;
  if ((ack.returnCode ?? ack.reasonCode ?? 0) !== 0) throw new Error(`CONNACK refused: ${JSON.stringify(ack)}`);
  return c;
}
