// Raw-socket MQTT 3.1.1 clients for counted streams (MQTT.js tops out near 100k msgs/s, too
// slow for 100,000-message tests): a publisher that pipelines QoS 1 PUBLISHes whose payloads
// are sequence numbers, and a subscriber that acknowledges what it reads and records every
// delivery (topic, sequence, DUP flag, packet id).
import { connect, type Socket } from "node:net";
import mqttPacket, { type Packet } from "mqtt-packet";
import { encodePublish, PacketSplitter } from "../../../bench/lib/mqtt-load.ts";

const typePublish = 3;
const typePuback = 4;
const typePubrel = 6;

function opened(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, noDelay: true });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Publishes `count` QoS 1 messages "0".."count-1" to each topic (one connection per topic,
 * `window` in flight each); resolves once every PUBACK is in. */
export async function publishSequences(port: number, topics: string[], count: number, window = 50, timeoutMs = 60_000): Promise<void> {
  await Promise.all(topics.map(async (topic, i) => {
    const socket = await opened(port);
    socket.write(mqttPacket.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clientId: `seq-pub-${process.pid}-${i}-${Date.now()}`, clean: true, keepalive: 0 }));
    let sent = 0;
    let acked = 0;
    let connected = false;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publisher on ${topic}: ${acked} of ${count} acknowledged after ${timeoutMs} ms`)), timeoutMs);
      const sendMore = () => {
        const parts: Buffer[] = [];
        while (sent < count && sent - acked < window) {
          parts.push(encodePublish(topic, Buffer.from(String(sent)), 1, (sent % 65_000) + 1));
          sent++;
        }
        if (parts.length > 0) socket.write(Buffer.concat(parts));
      };
      const splitter = new PacketSplitter((first) => {
        const type = first >> 4;
        if (type === 2 && !connected) {
          connected = true;
          sendMore();
        } else if (type === typePuback) acked++;
      });
      socket.on("data", (d: Buffer) => {
        splitter.push(d);
        if (acked === count) {
          clearTimeout(timer);
          resolve();
        } else if (connected) sendMore();
      });
      socket.once("error", reject);
      if (count === 0) resolve();
    });
    try {
      await done;
    } finally {
      socket.end(Buffer.from([0xe0, 0]));
    }
  }));
}

export interface Delivery {
  topic: string;
  seq: number;
  dup: boolean;
  qos: number;
  packetId: number;
}

export interface SeqSubscriber {
  socket: Socket;
  deliveries: Delivery[];
  /** Packet ids of PUBRELs received (QoS 2). */
  pubrels: number[];
  sessionPresent: boolean;
  /** Resolves once the server closed the connection. */
  closed: Promise<void>;
  /** Waits (bounded) until `n` deliveries arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  send(packet: Packet): void;
  end(): void;
}

export interface SeqSubscriberOptions {
  clientId: string;
  clean: boolean;
  /** Subscribes to these (QoS per filter) after CONNACK, unless empty. */
  subscriptions?: Array<{ topic: string; qos: 0 | 1 | 2 }>;
  /** QoS 2: answer PUBREL with PUBCOMP (default true). */
  pubcomp?: boolean;
  /** Acknowledge QoS 1/2 deliveries (default true). */
  ack?: boolean;
  /** Connect with MQTT 5 and this Receive Maximum: ledge keeps at most this many QoS 1/2
   * deliveries unacknowledged (else 3.1.1, where it may run as far ahead as its write buffer). */
  receiveMaximum?: number;
}

export async function seqSubscriber(port: number, o: SeqSubscriberOptions): Promise<SeqSubscriber> {
  const socket = await opened(port);
  const v5 = o.receiveMaximum !== undefined;
  const deliveries: Delivery[] = [];
  const pubrels: number[] = [];
  let connack: { sessionPresent: boolean } | undefined;
  let subacked = false;
  const ack = (type: number, id: number) => socket.write(Buffer.from([type << 4 | (type === typePubrel ? 2 : 0), 2, id >> 8, id & 0xff]));
  const splitter = new PacketSplitter((first, buf, at, length) => {
    const type = first >> 4;
    if (type === 2) connack = { sessionPresent: (buf[at] & 1) === 1 };
    else if (type === 9) subacked = true;
    else if (type === typePubrel) {
      const id = buf.readUInt16BE(at);
      pubrels.push(id);
      if (o.pubcomp !== false) ack(7, id);
    } else if (type === typePublish) {
      const qos = (first >> 1) & 3;
      const topicLength = buf.readUInt16BE(at);
      const topic = buf.toString("utf8", at + 2, at + 2 + topicLength);
      let p = at + 2 + topicLength;
      let packetId = 0;
      if (qos > 0) {
        packetId = buf.readUInt16BE(p);
        p += 2;
      }
      if (v5) {
        // The property block: a variable byte integer length, then the properties (skipped).
        let length = 0;
        for (let shift = 0; ; shift += 7) {
          const b = buf[p++];
          length |= (b & 0x7f) << shift;
          if (b < 0x80) break;
        }
        p += length;
      }
      deliveries.push({ topic, seq: Number(buf.toString("latin1", p, at + length)), dup: (first & 8) !== 0, qos, packetId });
      if (o.ack !== false && qos === 1) ack(typePuback, packetId);
      if (o.ack !== false && qos === 2) ack(5, packetId);
    }
  });
  socket.on("data", (d: Buffer) => splitter.push(d));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const protocolVersion = v5 ? 5 : 4;
  socket.write(mqttPacket.generate({
    cmd: "connect", protocolId: "MQTT", protocolVersion, clientId: o.clientId, clean: o.clean, keepalive: 0,
    ...(v5 ? { properties: { receiveMaximum: o.receiveMaximum, sessionExpiryInterval: o.clean ? 0 : 0xffff_ffff } } : {}),
  }, { protocolVersion }));
  await waitUntil("CONNACK", () => connack !== undefined, 5000);
  if (o.subscriptions?.length) {
    socket.write(mqttPacket.generate({ cmd: "subscribe", messageId: 1, subscriptions: o.subscriptions }, { protocolVersion }));
    await waitUntil("SUBACK", () => subacked, 5000);
  }
  return {
    socket, deliveries, pubrels, closed,
    sessionPresent: connack!.sessionPresent,
    waitFor: (n, timeoutMs = 30_000) => waitUntil(`${n} deliveries (have ${deliveries.length})`, () => deliveries.length >= n, timeoutMs),
    send: (packet) => void socket.write(mqttPacket.generate(packet, { protocolVersion })),
    end: () => void socket.end(Buffer.from([0xe0, 0])),
  };
}

/** Per topic, the sequence numbers in arrival order. */
export function byTopic(deliveries: Delivery[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const d of deliveries) {
    let list = out.get(d.topic);
    if (!list) out.set(d.topic, (list = []));
    list.push(d.seq);
  }
  return out;
}
