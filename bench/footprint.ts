// `npm run bench -- footprint`: what ledge costs a Raspberry Pi at a realistic gateway load
// (issue #15), against Mosquitto under the same load in the same run.
//   start-to-ready: exec of bin/ledge (storage.sync: always) to its ready line, median of 3.
//   rss-idle: RSS right after start (ledge; Mosquitto the same).
//   rss-at-load: peak RSS while 1,000 MQTT clients are connected, 100 of them publishing QoS 1 at
//     a combined FOOTPRINT_RATE (10,000) msgs/s for FOOTPRINT_SECONDS (60), one subscriber on `#`
//     (QoS 0), and for ledge also the bridge to a local upstream (the in-memory
//     bench/lib/kafka-sink.ts) and a tumbling-window pipeline over the telemetry (each row's notes
//     say what was running: a part that did nothing shows 0 in its metric).
//   cpu-per-million: CPU seconds the broker process spent per million messages published.
// FOOTPRINT_PARTS (default "bridge,pipeline"; "none" for neither) picks what runs beside ledge's
// MQTT core, to see what each part costs.
// Goals (#15): RSS at load under 80 MB, start under 500 ms, CPU per message within 2x Mosquitto's
// (which stores nothing durably). Lower is better in every row: the ratio is ledge / Mosquitto.
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metricValue } from "../test/helpers/ledge-process.ts";
import { startMosquitto } from "../test/helpers/mosquitto.ts";
import { progress, result, type BenchResult } from "./lib/report.ts";
import { startChildBroker, startLedgeExecuted } from "./lib/child-broker.ts";
import { processCpuSeconds } from "./lib/kafka-lean.ts";
import { encodeConnect, encodePublish, openIdleConnections, PacketSplitter } from "./lib/mqtt-load.ts";

const SECONDS = Number(process.env.FOOTPRINT_SECONDS ?? 60);
const RATE = Number(process.env.FOOTPRINT_RATE ?? 10_000);
const CLIENTS = 1000;
const PUBLISHERS = 100;
const TICK_MS = 10;
/** QoS 1 publishes in flight per publisher; a tick that finds it full skips (counted). */
const WINDOW = 50;
const PAYLOAD_BYTES = 200;
const DEVICES_PER_PUBLISHER = 5;
const RSS_SAMPLE_MS = 250;
const START_RUNS = 3;
const GOAL_RSS_MB = 80;
const GOAL_START_MS = 500;
const GOAL_CPU_RATIO = 2;

interface Broker {
  name: string;
  port: number;
  pid: number;
  /** What ran beside the broker's core, read after the load (ledge's metrics). */
  parts(): Promise<string>;
  stop(): Promise<void>;
}

interface Footprint {
  idleRssBytes: number;
  peakRssBytes: number;
  peakAnonBytes: number;
  cpuSeconds: number;
  published: number;
  skipped: number;
  received: number;
  parts: string;
}

const mb = (bytes: number) => bytes / 2 ** 20;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A /proc/PID/status field in bytes: VmRSS, or its parts RssAnon (heap, buffers) and RssFile
 * (mapped files: for ledge mostly LMDB's map, page cache the kernel can reclaim). */
const statusBytes = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const rssBytes = (pid: number) => statusBytes(pid, "VmRSS");

function telemetry(device: string, seq: number): Buffer {
  const body = `{"device":"${device}","seq":${seq},"ts":${Date.now()},"temp":${(20 + (seq % 100) / 10).toFixed(1)},"hum":${40 + (seq % 30)},"pad":"`;
  return Buffer.from(`${body}${"x".repeat(Math.max(0, PAYLOAD_BYTES - body.length - 2))}"}`);
}

function openMqtt(port: number, clientId: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, noDelay: true });
    socket.once("error", reject);
    socket.once("connect", () => socket.write(encodeConnect(clientId)));
    socket.once("data", (d: Buffer) => {
      socket.off("error", reject);
      if (d[0] !== 0x20 || d[3] !== 0) return reject(new Error(`CONNACK refused: ${d.toString("hex")}`));
      resolve(socket);
    });
  });
}

/** A raw subscriber on `#` at QoS 0, counting PUBLISH packets. */
async function subscriber(port: number): Promise<{ received: () => number; close(): void }> {
  const socket = await openMqtt(port, "footprint-sub");
  let received = 0;
  const splitter = new PacketSplitter((first) => {
    if (first >> 4 === 3) received++;
  });
  socket.on("data", (d: Buffer) => splitter.push(d));
  socket.on("error", () => undefined);
  socket.write(Buffer.from([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x23, 0x00])); // SUBSCRIBE id 1, "#", QoS 0
  return { received: () => received, close: () => socket.destroy() };
}

/** PUBLISHERS paced QoS 1 publishers at RATE msgs/s in all, for SECONDS. */
async function publish(port: number): Promise<{ published: number; skipped: number }> {
  const sockets = await Promise.all(Array.from({ length: PUBLISHERS }, (_, i) => openMqtt(port, `footprint-pub-${i}`)));
  const inflight = new Array<number>(PUBLISHERS).fill(0);
  let published = 0;
  let skipped = 0;
  sockets.forEach((s, i) => {
    const splitter = new PacketSplitter((first) => {
      if (first >> 4 === 4) (inflight[i]--, published++);
    });
    s.on("data", (d: Buffer) => splitter.push(d));
    s.on("error", () => undefined);
  });
  const perTick = (RATE * TICK_MS) / 1000;
  let owed = 0;
  let seq = 0;
  const endMs = Date.now() + SECONDS * 1000;
  const startMs = Date.now();
  let tick = 0;
  while (Date.now() < endMs) {
    owed += perTick;
    for (; owed >= 1; owed--) {
      const i = seq % PUBLISHERS;
      if (inflight[i] >= WINDOW) {
        skipped++;
      } else {
        const device = `d${i * DEVICES_PER_PUBLISHER + (seq % DEVICES_PER_PUBLISHER)}`;
        sockets[i].write(encodePublish(`sensors/${device}/telemetry`, telemetry(device, seq), 1, (seq % 65_000) + 1));
        inflight[i]++;
      }
      seq++;
    }
    tick++;
    const waitMs = startMs + tick * TICK_MS - Date.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
  }
  const drainEndMs = Date.now() + 10_000;
  while (inflight.some((n) => n > 0) && Date.now() < drainEndMs) await new Promise((r) => setTimeout(r, 20));
  for (const s of sockets) s.destroy();
  return { published, skipped };
}

async function measure(b: Broker): Promise<Footprint> {
  await new Promise((r) => setTimeout(r, 500));
  const idleRssBytes = rssBytes(b.pid);
  const closeIdle = await openIdleConnections("127.0.0.1", b.port, CLIENTS - PUBLISHERS - 1, 30_000);
  const sub = await subscriber(b.port);
  let peakRssBytes = 0;
  let peakAnonBytes = 0;
  const sample = () => {
    peakRssBytes = Math.max(peakRssBytes, rssBytes(b.pid));
    peakAnonBytes = Math.max(peakAnonBytes, statusBytes(b.pid, "RssAnon"));
  };
  sample();
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  const cpu0 = processCpuSeconds(b.pid);
  progress(`${b.name}: ${CLIENTS} clients connected; ${PUBLISHERS} publishing QoS 1 at ${RATE} msgs/s for ${SECONDS} s`);
  const { published, skipped } = await publish(b.port);
  const cpuSeconds = processCpuSeconds(b.pid) - cpu0;
  await new Promise((r) => setTimeout(r, 1000)); // the subscriber's tail
  clearInterval(sampler);
  sample();
  const received = sub.received();
  sub.close();
  closeIdle();
  const parts = await b.parts();
  progress(`${b.name}: ${published} acked (${skipped} skipped with ${WINDOW} in flight), subscriber got ${received}; RSS idle ${mb(idleRssBytes).toFixed(1)} MiB, peak ${mb(peakRssBytes).toFixed(1)} MiB (anonymous ${mb(peakAnonBytes).toFixed(1)}); ${cpuSeconds.toFixed(2)} CPU-s; ${parts}`);
  return { idleRssBytes, peakRssBytes, peakAnonBytes, cpuSeconds, published, skipped, received, parts };
}

function ledgeConfig(dir: string, sinkPort: number | null): string {
  const lines = [
    `dataDir: ${join(dir, "data")}`,
    "storage: { sync: always }",
    "mqtt: { allowAnonymous: true }",
  ];
  const parts = process.env.FOOTPRINT_PARTS ?? "bridge,pipeline";
  if (sinkPort !== null && parts.includes("bridge")) lines.push(`bridge: { brokers: ["127.0.0.1:${sinkPort}"], edgeId: footprint, createTopics: true }`);
  if (sinkPort !== null && parts.includes("pipeline")) {
    lines.push(
      "pipelines:",
      "  - { name: temp10s, from: mqtt-messages, match: \"sensors/+/telemetry\", format: json, key: \"topic[1]\", time: ts,",
      "      fields: [temp, hum], window: { type: tumbling, size: 10s, grace: 1s }, aggregates: [count, avg, min, max, p95],",
      "      emit: final, to: temp-10s }",
    );
  }
  const file = join(dir, "ledge.yaml");
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

async function startToReadyMs(): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < START_RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), "ledge-bench-start-"));
    const t0 = performance.now();
    const p = await startLedgeExecuted(["--config", ledgeConfig(dir, null)]);
    out.push(performance.now() - t0);
    p.child.kill("SIGTERM");
    await p.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The floor under ledge's RSS: Node itself with lmdb-js loaded, idle (its binary's mapped code
 * alone is ~40 MiB here), as RSS and its anonymous part. */
async function nodeFloorBytes(): Promise<{ rss: number; anon: number }> {
  const child = spawn(process.execPath, ["-e", "require('lmdb'); setTimeout(() => {}, 5000)"], { cwd: new URL("..", import.meta.url), stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 1000));
    return { rss: rssBytes(child.pid!), anon: statusBytes(child.pid!, "RssAnon") };
  } finally {
    child.kill("SIGKILL");
  }
}

async function startLedgeBroker(): Promise<Broker> {
  const sink = await startChildBroker("kafka-sink.ts");
  const dir = mkdtempSync(join(tmpdir(), "ledge-bench-footprint-"));
  const p = await startLedgeExecuted(["--config", ledgeConfig(dir, sink.port)]);
  const http = p.ports.http!;
  return {
    name: "ledge", port: p.ports.mqtt!, pid: p.child.pid!,
    parts: async () => {
      const shipped = await metricValue(http, "ledge_bridge_shipped_records_total");
      const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
      const events = Number(/^ledge_pipeline_events_total\{pipeline="temp10s"\} (\d+)$/m.exec(text)?.[1] ?? 0);
      return `bridge shipped ${shipped} records to the sink; pipeline events ${events}`;
    },
    stop: async () => {
      p.child.kill("SIGTERM");
      await p.exited;
      await sink.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startMosquittoBroker(): Promise<Broker> {
  const m = await startMosquitto(["max_queued_messages 1000"]);
  return { name: "mosquitto", port: m.port, pid: m.child.pid!, parts: async () => "default config, nothing stored", stop: m.stop };
}

export default async function footprintBench(): Promise<BenchResult[]> {
  execFileSync(process.execPath, ["bin/build-dist.mjs"], { cwd: new URL("..", import.meta.url), stdio: "inherit" });
  const starts = await startToReadyMs();
  progress(`ledge start to ready: ${starts.map((x) => x.toFixed(0)).join(", ")} ms`);
  const floor = await nodeFloorBytes();
  progress(`Node alone with lmdb-js loaded: RSS ${mb(floor.rss).toFixed(1)} MiB (anonymous ${mb(floor.anon).toFixed(1)})`);
  const runs: Record<string, Footprint> = {};
  for (const start of [startLedgeBroker, startMosquittoBroker]) {
    const b = await start();
    try {
      runs[b.name] = await measure(b);
    } finally {
      await b.stop();
    }
  }
  const l = runs.ledge;
  const m = runs.mosquitto;
  const perMillion = (f: Footprint) => (f.cpuSeconds / Math.max(1, f.published)) * 1e6;
  const load = `${CLIENTS} clients, ${PUBLISHERS} publishing QoS 1 at ${RATE} msgs/s for ${SECONDS} s, a QoS 0 subscriber on #`;
  const met = (ok: boolean) => (ok ? "met" : "MISSED");
  const startMs = median(starts);
  return [
    result({ name: "start-to-ready", unit: "ms", ledge: startMs, baseline: GOAL_START_MS, baselineName: "goal", target: null,
      notes: `goal: under ${GOAL_START_MS} ms (${met(startMs < GOAL_START_MS)}); exec of bin/ledge (sync: always, bundle) to its ready line, median of ${starts.map((x) => x.toFixed(0)).join(", ")} ms` }),
    result({ name: "rss-idle", unit: "MiB", ledge: mb(l.idleRssBytes), baseline: mb(m.idleRssBytes), baselineName: "mosquitto", target: null, notes: "RSS 0.5 s after start; lower is better" }),
    result({ name: "rss-at-load", unit: "MiB", ledge: mb(l.peakRssBytes), baseline: mb(m.peakRssBytes), baselineName: "mosquitto, same load", target: null,
      notes: `goal: under ${GOAL_RSS_MB} MB (${met(l.peakRssBytes < GOAL_RSS_MB * 1e6)}); peak of ${RSS_SAMPLE_MS} ms samples, of which anonymous memory ${mb(l.peakAnonBytes).toFixed(1)} MiB (the rest is mapped files, LMDB's map and Node's own code: page cache the kernel reclaims); the floor, Node alone with lmdb-js loaded and idle, is ${mb(floor.rss).toFixed(1)} MiB (anonymous ${mb(floor.anon).toFixed(1)}); ${load}; ledge also ran: ${l.parts}; subscriber got ${l.received} of ${l.published} (mosquitto ${m.received} of ${m.published})` }),
    result({ name: "cpu-per-million", unit: "CPU-s/1M msgs", ledge: perMillion(l), baseline: perMillion(m), baselineName: "mosquitto (stores nothing)", target: null,
      notes: `goal: ledge / mosquitto within ${GOAL_CPU_RATIO} (${met(perMillion(l) <= GOAL_CPU_RATIO * perMillion(m))}); ledge ${l.cpuSeconds.toFixed(2)} CPU-s for ${l.published} acked (${l.skipped} skipped for a full window), mosquitto ${m.cpuSeconds.toFixed(2)} for ${m.published} (${m.skipped} skipped); ${load}` }),
  ];
}
