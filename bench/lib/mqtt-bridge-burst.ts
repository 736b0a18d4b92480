// One QoS 1 burst through a bridge, timed: a fresh site Mosquitto (its defaults), something that
// pulls `plant/#` from it (ledge's mqtt.bridgeFrom, or a second Mosquitto's bridge), then
// `mosquitto_pub -l` bursts into the site broker. The clock runs from the publishers' start
// until the puller has all of them (ledge: stored, durable; Mosquitto: delivered to a counting
// subscriber on it), or until its count stood still after the publishers were done: what was
// missing then was dropped by the site broker (its log says "Outgoing messages are being
// dropped"). The puller's count is polled at the same period on both sides.
import { spawn, type ChildProcess } from "node:child_process";
import { startMosquitto, type MosquittoProcess } from "../../test/helpers/mosquitto.ts";

export const burstFilter = "plant/#";
const burstTopic = "plant/line1/temp";
/** `mosquitto_pub -l` 2.0.11 stops early past 65,535 QoS 1 lines (its packet ids wrap), so a
 * bigger burst is several publishers running at once. */
export const linesPerPublisherMax = 50_000;
const pollMs = 20;
/** After the publishers are done, a count that stands still this long means the rest were dropped. */
const stallMs = 3000;
const siteDropLine = "Outgoing messages are being dropped";

export interface BurstRun {
  messages: number;
  arrived: number;
  /** First publish until the last arrival. */
  seconds: number;
  ratePerSecond: number;
  /** How long the publishers took to hand the site broker all of the burst. */
  publishSeconds: number;
  /** Whether the site broker logged that it dropped messages for a subscriber. */
  siteLoggedDrops: boolean;
  timedOut: boolean;
}

/** What pulls from the site broker: started against its port, counts what it has taken. */
export interface Puller {
  /** Messages taken so far (from this burst only). */
  count(): number | Promise<number>;
  stop(): Promise<void>;
}

export type StartPuller = (sitePort: number) => Promise<Puller>;

function publishers(port: number, messageCount: number, timeLimitMs: number): Promise<void>[] {
  const runs: Promise<void>[] = [];
  for (let from = 1; from <= messageCount; from += linesPerPublisherMax) {
    const to = Math.min(messageCount, from + linesPerPublisherMax - 1);
    const script = `seq ${from} ${to} | sed 's/^/reading-/' | mosquitto_pub -p ${port} -t ${burstTopic} -q 1 -l`;
    runs.push(new Promise((resolve, reject) => {
      const child = spawn("sh", ["-c", script], { stdio: ["ignore", "ignore", "pipe"], timeout: timeLimitMs });
      let err = "";
      child.stderr!.on("data", (d) => (err += d));
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}: ${err.slice(0, 300)}`))));
    }));
  }
  return runs;
}

/** Runs one burst of `messageCount` through a puller started on a fresh site broker. */
export async function runBridgeBurst(startPuller: StartPuller, messageCount: number, timeLimitMs: number): Promise<BurstRun> {
  const site = await startMosquitto();
  let puller: Puller | undefined;
  try {
    puller = await startPuller(site.port);
    const t0 = performance.now();
    let publishSeconds = Number.NaN;
    const published = Promise.all(publishers(site.port, messageCount, timeLimitMs)).then(() => (publishSeconds = (performance.now() - t0) / 1000));
    let publishError: Error | undefined;
    published.catch((err: Error) => (publishError = err));
    let arrived = 0;
    let lastArrivalMs = t0;
    let timedOut = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, pollMs));
      const now = performance.now();
      const n = await puller.count();
      if (n > arrived) [arrived, lastArrivalMs] = [n, now];
      if (publishError) throw publishError;
      if (arrived >= messageCount) break;
      if (!Number.isNaN(publishSeconds) && now - lastArrivalMs > stallMs) break;
      if (now - t0 > timeLimitMs) {
        timedOut = true;
        break;
      }
    }
    await published.catch(() => {});
    const seconds = (lastArrivalMs - t0) / 1000;
    return {
      messages: messageCount, arrived, seconds, ratePerSecond: arrived / seconds, publishSeconds,
      siteLoggedDrops: site.output().includes(siteDropLine), timedOut,
    };
  } finally {
    await puller?.stop();
    await site.stop();
  }
}

/** Lines a child printed that start with `prefix`, counted as they come. */
function countLines(child: ChildProcess, prefix: string): () => number {
  let count = 0;
  let partial = "";
  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const l of lines) if (l.startsWith(prefix)) count++;
  });
  return () => count;
}

async function until(what: string, ok: () => boolean, timeLimitMs: number, each?: () => void): Promise<void> {
  const deadline = Date.now() + timeLimitMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeLimitMs} ms waiting for ${what}`);
    each?.();
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The baseline puller: a second Mosquitto bridging `topic plant/# in 1` from the site broker
 * (Mosquitto's bridge defaults otherwise), and a counting `mosquitto_sub` on it. The subscriber
 * asks for MQTT 5 with Receive Maximum 65535, so the second Mosquitto never has to drop for it;
 * the site broker's drops for the bridge are what is measured. Ready once a probe published to
 * the site broker has crossed the bridge to the subscriber. */
export function mosquittoBridgePuller(readyTimeLimitMs: number): StartPuller {
  return async (sitePort) => {
    const local: MosquittoProcess = await startMosquitto(["connection site", `address 127.0.0.1:${sitePort}`, `topic ${burstFilter} in 1`]);
    const sub = spawn("mosquitto_sub", ["-p", String(local.port), "-V", "mqttv5", "-D", "connect", "receive-maximum", "65535",
      "-q", "1", "-t", burstFilter], { stdio: ["ignore", "pipe", "ignore"] });
    const arrived = countLines(sub, "reading-");
    const probes = countLines(sub, "probe");
    const stop = async () => {
      if (sub.exitCode === null) {
        const exited = new Promise((r) => sub.once("exit", r));
        sub.kill("SIGTERM");
        await exited;
      }
      await local.stop();
    };
    try {
      await until("a probe to cross the Mosquitto bridge", () => probes() > 0, readyTimeLimitMs, () => {
        spawn("mosquitto_pub", ["-p", String(sitePort), "-t", "plant/probe", "-m", "probe", "-q", "1"], { stdio: "ignore" });
      });
    } catch (err) {
      await stop();
      throw err;
    }
    return { count: arrived, stop };
  };
}
