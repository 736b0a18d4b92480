// A lean MQTT 3.1.1 load generator: raw TCP sockets, PUBLISH packets encoded once up front and
// pipelined, counting PUBACKs. One MQTT.js publisher tops out near 100k msgs/s (PLATFORM.md),
// so the bench measures brokers with this instead, after measuring this against a sink that
// acks at once (mqtt-sink.ts) to show the generator is not the limit.
//
// QoS 1: each connection keeps `windowCount` publishes in flight; a PUBACK for packet id k
// re-sends the pre-encoded packet k (all the writes for one incoming chunk go out in one
// corked write). Latency = PUBACK arrival - send time, per message.
// QoS 0: each connection writes pre-encoded blocks until the socket pushes back, then sends a
// PINGREQ and waits for the PINGRESP: the broker answers in order, so every publish before it
// has been read and handled.
import { connect, type Socket } from "node:net";

export interface LoadOptions {
  host: string;
  port: number;
  connections: number;
  /** Total publishes over all connections (bounded run). */
  messageCount: number;
  qos: 0 | 1;
  payloadBytes: number;
  /** QoS 1 publishes in flight per connection. */
  windowCount: number;
  /** The run gives up (and reports what it did) after this long. */
  timeLimitMs: number;
  topicPrefix?: string;
}

export interface LoadResult {
  messages: number;
  seconds: number;
  ratePerSecond: number;
  /** PUBACK latency in ms (QoS 1 only; NaN for QoS 0). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  timedOut: boolean;
}

/** MQTT's variable byte integer (remaining length). */
export function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** CONNECT, MQTT 3.1.1, clean session, no keep-alive (the run is bounded instead). */
export function encodeConnect(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  const body = Buffer.concat([
    Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 0]),
    Buffer.from([id.length >> 8, id.length & 0xff]),
    id,
  ]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

/** PUBLISH with a fixed packet id (0 for QoS 0). */
export function encodePublish(topic: string, payload: Buffer, qos: 0 | 1, packetId: number): Buffer {
  const t = Buffer.from(topic);
  const idBytes = qos > 0 ? 2 : 0;
  const remaining = 2 + t.length + idBytes + payload.length;
  const header = Buffer.from([0x30 | (qos << 1), ...varint(remaining)]);
  const out = Buffer.alloc(header.length + remaining);
  header.copy(out, 0);
  let at = header.length;
  out.writeUInt16BE(t.length, at);
  t.copy(out, at + 2);
  at += 2 + t.length;
  if (qos > 0) out.writeUInt16BE(packetId, (at += 2) - 2);
  payload.copy(out, at);
  return out;
}

const pingreq = Buffer.from([0xc0, 0x00]);
const disconnect = Buffer.from([0xe0, 0x00]);

/** Splits a byte stream into MQTT packets, calling `onPacket(type, body)` per packet. */
export class PacketSplitter {
  #pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onPacket: (first: number, buf: Buffer, bodyAt: number, bodyLength: number) => void) {}

  push(chunk: Buffer): void {
    const buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    let at = 0;
    while (at + 2 <= buf.length) {
      let length = 0;
      let mul = 1;
      let i = at + 1;
      for (; i < buf.length && i < at + 5; i++) {
        length += (buf[i] & 0x7f) * mul;
        mul *= 128;
        if ((buf[i] & 0x80) === 0) break;
      }
      if (i >= buf.length || (buf[i] & 0x80) !== 0) break; // length incomplete
      const bodyAt = i + 1;
      if (bodyAt + length > buf.length) break;
      this.onPacket(buf[at], buf, bodyAt, length);
      at = bodyAt + length;
    }
    this.#pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
  }
}

function open(host: string, port: number, clientId: string, timeLimitMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => fail(new Error(`no CONNACK from ${host}:${port} within ${timeLimitMs} ms`)), timeLimitMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once("connect", () => socket.write(encodeConnect(clientId)));
    socket.once("data", (d: Buffer) => {
      clearTimeout(timer);
      socket.off("error", fail);
      if (d[0] !== 0x20 || d[3] !== 0) return fail(new Error(`CONNACK refused by ${host}:${port}: ${d.toString("hex")}`));
      resolve(socket);
    });
  });
}

/** Opens `count` connections that stay idle (for memory measurements); returns a closer. */
export async function openIdleConnections(host: string, port: number, count: number, timeLimitMs: number): Promise<() => void> {
  const sockets: Socket[] = [];
  const batch = 100; // bounded concurrency of the connect storm
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    sockets.push(...(await Promise.all(Array.from({ length: n }, (_, j) => open(host, port, `idle-${process.pid}-${i + j}`, timeLimitMs)))));
  }
  for (const s of sockets) s.on("error", () => {});
  return () => { for (const s of sockets) s.destroy(); };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

interface Lane {
  done: Promise<number>;
  stop(): void;
}

function qos1Lane(socket: Socket, packets: Buffer[], quota: number, latencies: Float64Array, latencyAt: { n: number }): Lane {
  const window = packets.length;
  const sentAtMs = new Float64Array(window + 1);
  let sent = 0;
  let acked = 0;
  let finish!: (n: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  const send = (id: number) => {
    sentAtMs[id] = performance.now();
    socket.write(packets[id - 1]);
    sent++;
  };
  const splitter = new PacketSplitter((first, buf, bodyAt) => {
    if (first >> 4 !== 4) return; // only PUBACK matters here
    const id = buf.readUInt16BE(bodyAt);
    if (latencyAt.n < latencies.length) latencies[latencyAt.n++] = performance.now() - sentAtMs[id];
    acked++;
    if (sent < quota) send(id);
  });
  socket.on("data", (chunk: Buffer) => {
    socket.cork();
    splitter.push(chunk);
    socket.uncork();
    if (acked >= quota) finish(acked);
  });
  socket.on("close", () => finish(acked));
  socket.cork();
  for (let id = 1; id <= window && sent < quota; id++) send(id);
  socket.uncork();
  if (quota === 0) finish(0);
  return { done, stop: () => finish(acked) };
}

function qos0Lane(socket: Socket, block: Buffer, perBlock: number, quota: number): Lane {
  let finish!: (n: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let sent = 0;
  const splitter = new PacketSplitter((first) => {
    if (first >> 4 === 13) finish(sent); // PINGRESP: everything before it was handled
  });
  socket.on("data", (chunk: Buffer) => splitter.push(chunk));
  socket.on("close", () => finish(sent));
  const pump = () => {
    while (sent < quota) {
      const n = Math.min(perBlock, quota - sent);
      const chunk = n === perBlock ? block : block.subarray(0, (block.length / perBlock) * n);
      sent += n;
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
    socket.write(pingreq);
  };
  pump();
  return { done, stop: () => finish(sent) };
}

/** Runs one bounded load against an MQTT broker and reports its rate and PUBACK latency. */
export async function runMqttLoad(o: LoadOptions): Promise<LoadResult> {
  const payload = Buffer.alloc(o.payloadBytes, 0x61);
  const prefix = o.topicPrefix ?? "bench";
  const sockets: Socket[] = [];
  for (let c = 0; c < o.connections; c++) sockets.push(await open(o.host, o.port, `load-${process.pid}-${c}`, o.timeLimitMs));
  const latencies = new Float64Array(o.qos === 1 ? o.messageCount : 0);
  const latencyAt = { n: 0 };
  const perConnection = Math.ceil(o.messageCount / o.connections);
  const t0 = performance.now();
  const lanes = sockets.map((s, c) => {
    const topic = `${prefix}/${c}`;
    const quota = Math.min(perConnection, o.messageCount - c * perConnection);
    if (o.qos === 1) {
      const packets = Array.from({ length: o.windowCount }, (_, i) => encodePublish(topic, payload, 1, i + 1));
      return qos1Lane(s, packets, Math.max(0, quota), latencies, latencyAt);
    }
    const perBlock = 64;
    const block = Buffer.concat(Array.from({ length: perBlock }, () => encodePublish(topic, payload, 0, 0)));
    return qos0Lane(s, block, perBlock, Math.max(0, quota));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const l of lanes) l.stop();
  }, o.timeLimitMs);
  const counts = await Promise.all(lanes.map((l) => l.done));
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  for (const s of sockets) s.end(disconnect);
  const measured = latencies.subarray(0, latencyAt.n).sort();
  const messages = counts.reduce((a, b) => a + b, 0);
  return {
    messages,
    seconds,
    ratePerSecond: messages / seconds,
    latencyP50Ms: percentile(measured, 0.5),
    latencyP99Ms: percentile(measured, 0.99),
    timedOut,
  };
}
