// A lean persistent MQTT 3.1.1 subscriber for the fan-out rows: raw socket, one QoS 1
// subscription, PUBACKs for each chunk's deliveries in one write, counting what arrives. It
// can leave (DISCONNECT, the session stays) and come back to the same session.
import { spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { PacketSplitter, varint } from "./mqtt-load.ts";

function connectPacket(clientId: string): Buffer {
  const id = Buffer.from(clientId);
  // MQTT 3.1.1, clean session 0 (persistent), keep-alive 0 (bounded runs instead).
  const body = Buffer.concat([Buffer.from([0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x00, 0, 0, id.length >> 8, id.length & 0xff]), id]);
  return Buffer.concat([Buffer.from([0x10, ...varint(body.length)]), body]);
}

function subscribePacket(filter: string): Buffer {
  const f = Buffer.from(filter);
  const body = Buffer.concat([Buffer.from([0, 1, f.length >> 8, f.length & 0xff]), f, Buffer.from([1])]);
  return Buffer.concat([Buffer.from([0x82, ...varint(body.length)]), body]);
}

export interface CountingSubscriber {
  /** PUBLISHes received since connecting. */
  readonly received: number;
  /** ms timestamp of the last PUBLISH. */
  readonly lastAtMs: number;
  /** ms timestamp at which CONNECT was sent (a catch-up is timed from here, not from the
   * subscriber process's own start-up). */
  readonly connectAtMs: number;
  /** DISCONNECT and close; the broker keeps the session. */
  leave(): Promise<void>;
}

/** Connects `clientId` (persistent session), subscribes `filter` at QoS 1 when `subscribe`. */
export function countingSubscriber(port: number, clientId: string, filter: string, subscribe: boolean, timeLimitMs = 10_000): Promise<CountingSubscriber> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port, noDelay: true });
    let received = 0;
    let lastAtMs = 0;
    let connectAtMs = 0;
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`subscriber ${clientId}: no CONNACK/SUBACK within ${timeLimitMs} ms`)), timeLimitMs);
    const subscriber: CountingSubscriber = {
      get received() {
        return received;
      },
      get lastAtMs() {
        return lastAtMs;
      },
      get connectAtMs() {
        return connectAtMs;
      },
      leave: () => new Promise((done) => {
        socket.once("close", () => done());
        socket.end(Buffer.from([0xe0, 0]));
      }),
    };
    const markReady = () => {
      ready = true;
      clearTimeout(timer);
      resolve(subscriber);
    };
    let acks: number[] = [];
    const splitter = new PacketSplitter((first, buf, at) => {
      const type = first >> 4;
      if (type === 3) {
        received++;
        if (((first >> 1) & 3) > 0) acks.push(buf.readUInt16BE(at + 2 + buf.readUInt16BE(at)));
      } else if (type === 2 && !ready) {
        if (subscribe) socket.write(subscribePacket(filter));
        else markReady();
      } else if (type === 9 && !ready) markReady();
    });
    socket.on("data", (d: Buffer) => {
      splitter.push(d);
      lastAtMs = Date.now();
      if (acks.length === 0) return;
      const out = Buffer.alloc(acks.length * 4);
      for (let i = 0; i < acks.length; i++) out.writeUInt32BE(0x40020000 | acks[i], i * 4);
      acks = [];
      socket.write(out);
    });
    socket.once("error", reject);
    socket.once("connect", () => {
      connectAtMs = Date.now();
      socket.write(connectPacket(clientId));
    });
  });
}

/** countingSubscriber in its own process (mqtt-subscriber-main.ts): its counts arrive every 50 ms. */
export function subscriberProcess(port: number, clientId: string, filter: string, subscribe: boolean, timeLimitMs = 20_000): Promise<CountingSubscriber> {
  const file = fileURLToPath(new URL("./mqtt-subscriber-main.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", file, String(port), clientId, filter, subscribe ? "1" : "0"], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let received = 0;
  let lastAtMs = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`subscriber process ${clientId} not ready within ${timeLimitMs} ms`));
    }, timeLimitMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^count (\d+) (\d+)$/.exec(line);
      if (m) {
        received = Number(m[1]);
        lastAtMs = Number(m[2]);
        return;
      }
      const ready = /^subscriber ready \d+ (\d+)$/.exec(line);
      if (!ready) return;
      const connectAtMs = Number(ready[1]);
      clearTimeout(timer);
      resolve({
        connectAtMs,
        get received() {
          return received;
        },
        get lastAtMs() {
          return lastAtMs;
        },
        leave: async () => {
          child.stdin!.end("leave\n");
          await exited;
        },
      });
    });
    void exited.then(() => reject(new Error(`subscriber process ${clientId} exited before it was ready`)));
  });
}

/** Waits until `count` arrived, or nothing arrived for `quietMs`, or `timeLimitMs` passed. */
export async function settle(s: CountingSubscriber, count: number, quietMs: number, timeLimitMs: number): Promise<void> {
  const deadline = Date.now() + timeLimitMs;
  let last = s.received;
  let lastChangeMs = Date.now();
  while (s.received < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    if (s.received !== last) {
      last = s.received;
      lastChangeMs = Date.now();
    } else if (Date.now() - lastChangeMs > quietMs) return;
  }
}
