// 1,000 concurrent MQTT connections to a real `ledge start` process, each subscribing and
// publishing at QoS 1: every publish is acknowledged and delivered exactly to its subscriber.
// Raw sockets with mqtt-packet (1,000 MQTT.js clients would measure MQTT.js); bounded in count
// and time. The file-descriptor limit here is checked first (`ulimit -n`, 20000 on CI).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import mqttPacket, { type Packet } from "mqtt-packet";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { execFileSync } from "node:child_process";

const connectionCount = 1000;
const messagesPerConnection = 5;
const timeLimitMs = 45_000;
const dir = mkdtempSync(join(tmpdir(), "ledge-load-"));
let ledge: LedgeProcess;

beforeAll(async () => {
  const config = join(dir, "ledge.yaml");
  writeFileSync(config, "mqtt: { allowAnonymous: true }\n");
  ledge = await startLedge(["--config", config, "--data-dir", join(dir, "data")]);
});
afterAll(async () => {
  if (ledge) {
    ledge.child.kill("SIGTERM");
    const killer = setTimeout(() => ledge.child.kill("SIGKILL"), 10_000); // a hung shutdown must not hang CI
    await ledge.exited;
    clearTimeout(killer);
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Peer {
  socket: Socket;
  index: number;
  received: string[];
  acked: number;
  subscribed: boolean;
}

function openPeer(port: number, index: number, onEvent: () => void): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const peer: Peer = { socket, index, received: [], acked: 0, subscribed: false };
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    parser.on("packet", (p: Packet) => {
      if (p.cmd === "connack") return p.returnCode === 0 ? resolve(peer) : reject(new Error(`CONNACK ${p.returnCode} for peer ${index}`));
      if (p.cmd === "suback") peer.subscribed = true;
      if (p.cmd === "puback") peer.acked++;
      if (p.cmd === "publish") {
        peer.received.push(String(p.payload));
        if (p.qos === 1) socket.write(mqttPacket.generate({ cmd: "puback", messageId: p.messageId! }));
      }
      onEvent();
    });
    parser.on("error", (err) => reject(new Error(`peer ${index} got a malformed packet: ${err.message}`)));
    socket.on("data", (d) => parser.parse(d));
    socket.once("error", reject);
    socket.once("connect", () => socket.write(mqttPacket.generate({
      cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: `load-${index}`, keepalive: 0,
    })));
  });
}

let progress = () => "";

async function until(what: string, ok: () => boolean, deadlineMs: number): Promise<void> {
  while (!ok()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what} (${progress()})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

it(`serves ${connectionCount} concurrent connections publishing and subscribing at QoS 1`, async () => {
  const fdLimit = Number(execFileSync("sh", ["-c", "ulimit -n"]).toString().trim());
  expect(fdLimit, "ulimit -n must allow 1,000 client sockets plus ledge's").toBeGreaterThan(2 * connectionCount + 100);
  const deadline = Date.now() + timeLimitMs;
  const peers: Peer[] = [];
  for (let i = 0; i < connectionCount; i += 100) {
    peers.push(...(await Promise.all(Array.from({ length: 100 }, (_, j) => openPeer(ledge.ports.mqtt!, i + j, () => {})))));
  }
  progress = () => `subscribed ${peers.filter((p) => p.subscribed).length}, acked ${peers.reduce((n, p) => n + p.acked, 0)}, received ${peers.reduce((n, p) => n + p.received.length, 0)}`;
  try {
    for (const p of peers) p.socket.write(mqttPacket.generate({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: `load/${p.index}`, qos: 1 }] }));
    await until("every SUBACK", () => peers.every((p) => p.subscribed), deadline);

    // Peer i publishes to peer i+1's topic: every connection both sends and receives.
    let messageId = 1;
    for (let k = 0; k < messagesPerConnection; k++, messageId++) {
      for (const p of peers) {
        const to = (p.index + 1) % connectionCount;
        p.socket.write(mqttPacket.generate({ cmd: "publish", topic: `load/${to}`, payload: `${p.index}:${k}`, qos: 1, messageId, retain: false, dup: false }));
      }
    }
    const total = connectionCount * messagesPerConnection;
    await until("every PUBACK", () => peers.reduce((n, p) => n + p.acked, 0) === total, deadline);
    await until("every delivery", () => peers.reduce((n, p) => n + p.received.length, 0) >= total, deadline);
    for (const p of peers) {
      const from = (p.index + connectionCount - 1) % connectionCount;
      expect(p.received.sort()).toEqual(Array.from({ length: messagesPerConnection }, (_, k) => `${from}:${k}`));
    }
  } finally {
    for (const p of peers) p.socket.destroy();
  }
}, 75_000);
