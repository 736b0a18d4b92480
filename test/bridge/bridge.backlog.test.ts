// A long outage: 100,000 records queue at the edge while the upstream is away, then drain within
// bridge.rateLimitBytesPerS while live data keeps flowing, and the edge's memory stays bounded
// (batches stream from LMDB through the memoryBytesMax buffer; no topic is held in RAM).
// RSS is sampled from /proc while draining; the stated base is the edge's own RSS with the
// backlog stored, before the drain, plus 48 MiB for V8's heap growth and transient copies.
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ledgeDirs, startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "../kafka/helpers/kcat.ts";
import { count, metric, readTopic, sleep, waitFor } from "./helpers.ts";

const MiB = 2 ** 20;
const memoryBytesMax = 4 * MiB;
const baseSlackBytes = 48 * MiB;
const backlogRecords = 100_000;

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

async function produceLines(kafkaPort: number, from: number, to: number): Promise<void> {
  const lines = Array.from({ length: to - from }, (_, i) => `{"n":${from + i},"device":"d${(from + i) % 50}","temp":${20 + ((from + i) % 7)},"pad":"${"x".repeat(40)}"}`);
  const r = await kcat(["-b", `127.0.0.1:${kafkaPort}`, "-P", "-t", "backlog", "-K", ":", "-X", "acks=all", "-X", "linger.ms=20"], lines.map((l, i) => `k${(from + i) % 50}:${l}`).join("\n") + "\n", 120_000);
  if (r.code !== 0) throw new Error(`kcat -P failed: ${r.stderr.slice(-500)}`);
}

describe("bridge: a 100,000-record backlog", () => {
  it("drains within rateLimitBytesPerS while live data flows, every record once, RSS within memoryBytesMax + the stated base", { timeout: 240_000 }, async () => {
    const rate = 768 * 1024; // ~10 MiB in ~13 s: long enough for progress lines
    // The upstream: a second ledge (transactions hide what an aborted transaction carried, so
    // the check below is strict), stopped with SIGSTOP for the outage.
    const up = await ledgeDirs("ledge-backlog-up-", "log: { autoCreateTopics: true }\n");
    cleanups.push(up.remove);
    const upstreamProcess: LedgeProcess = await startLedge(up.args);
    cleanups.push(async () => {
      upstreamProcess.child.kill("SIGCONT");
      upstreamProcess.child.kill("SIGKILL");
    });
    const upstream = { bootstrap: `127.0.0.1:${upstreamProcess.ports.kafka}`, child: upstreamProcess.child };
    const d = await ledgeDirs("ledge-bridge-backlog-", [
      "topics:", "  - { name: backlog, partitions: 3 }",
      "bridge:", `  brokers: [${upstream.bootstrap.split(",").map((b) => `"${b}"`).join(", ")}]`, "  edgeId: edge-backlog",
      "  topics: [ { from: backlog, to: backlog } ]", `  memoryBytesMax: ${memoryBytesMax}`, `  rateLimitBytesPerS: ${rate}`, "  requestTimeoutMs: 2s", "  backoffMsMax: 1s",
    ].join("\n") + "\n");
    cleanups.push(d.remove);
    upstream.child.kill("SIGSTOP");
    const edge = await startLedge(d.args);
    cleanups.push(async () => void edge.child.kill("SIGKILL"));
    const pid = edge.child.pid!;
    for (let from = 0; from < backlogRecords; from += 25_000) await produceLines(edge.ports.kafka!, from, from + 25_000);
    expect(await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_lag_records")) >= backlogRecords, 30_000, 200)).toBe(true);
    await sleep(500);
    const baseRss = rssBytes(pid);
    let peakRss = baseRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(pid))), 100);
    try {
      upstream.child.kill("SIGCONT");
      const t0 = Date.now();
      // Live data keeps flowing during the drain.
      await produceLines(edge.ports.kafka!, backlogRecords, backlogRecords + 2_000);
      const total = backlogRecords + 2_000;
      const drained = await waitFor(async () => (await metric(edge.ports.http!, "ledge_bridge_shipped_records_total")) >= total, 180_000, 250);
      const elapsedS = (Date.now() - t0) / 1000;
      expect(drained, edge.stderr().slice(-3000)).toBe(true);
      const shippedBytes = await metric(edge.ports.http!, "ledge_bridge_shipped_bytes_total");
      // The cap bounds the rate from above (10% slack for the window restarting).
      expect(elapsedS).toBeGreaterThanOrEqual((shippedBytes / rate) * 0.9);
      console.log(`backlog drain: ${total} records, ${(shippedBytes / MiB).toFixed(1)} MiB in ${elapsedS.toFixed(1)} s; RSS ${(baseRss / MiB).toFixed(0)} MiB before, peak ${(peakRss / MiB).toFixed(0)} MiB (memoryBytesMax ${memoryBytesMax / MiB} MiB)`);
      expect(peakRss - baseRss, `RSS grew from ${baseRss} to ${peakRss} bytes while draining`).toBeLessThanOrEqual(memoryBytesMax + baseSlackBytes);
    } finally {
      clearInterval(sampler);
    }
    expect(edge.stderr()).toMatch(/bridge: draining: \d+ records left/);
    const local = await readTopic(`127.0.0.1:${edge.ports.kafka}`, "backlog", false);
    expect(count(local)).toBe(backlogRecords + 2_000);
    const remote = await readTopic(upstream.bootstrap, "backlog", true);
    expect(count(remote)).toBe(count(local));
    for (const [p, lines] of local) expect(remote.get(p), `partition ${p}`).toEqual(lines);
  });
});
