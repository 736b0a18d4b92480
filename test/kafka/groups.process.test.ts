// Groups survive a restart of the real `ledge` process: a kcat -G member consumes and commits,
// ledge is stopped with SIGTERM and started again on the same data directory, and a new
// member of the same group receives only the records produced after the commit.
import { describe, it, expect, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLedge, type LedgeProcess } from "../helpers/ledge-process.ts";
import { kcat } from "./helpers/kcat.ts";

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one kcat -G member until it has printed `count` records (bounded), then stops it with SIGTERM. */
function consumeWithGroup(port: number, group: string, topic: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const child = spawn("kcat", [
    "-b", `127.0.0.1:${port}`, "-G", group, topic, "-q", "-u", "-f", "%p:%o\\n",
    "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=300", "-X", "auto.offset.reset=earliest", "-X", "auto.commit.interval.ms=200",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const records: string[] = [];
  let err = "";
  let partial = "";
  child.stdout.on("data", (d) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop()!;
    records.push(...lines.filter((l) => l.trim()));
  });
  child.stderr.on("data", (d) => (err += d));
  const exited = new Promise((r) => child.once("close", r));
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(async () => {
      const done = records.length >= count;
      if (!done && Date.now() - t0 < timeoutMs) return;
      clearInterval(poll);
      await sleep(600); // a duplicate would show up here; the last auto-commit runs too
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
      if (done) resolve(records);
      else reject(new Error(`kcat -G got ${records.length} of ${count} records in ${timeoutMs} ms: ${err}`));
    }, 50);
  });
}

async function stop(ledge: LedgeProcess): Promise<void> {
  ledge.child.kill("SIGTERM");
  const killer = setTimeout(() => ledge.child.kill("SIGKILL"), 10_000);
  expect(await ledge.exited).toBe(0);
  clearTimeout(killer);
}

describe("groups across a ledge restart", () => {
  it("committed offsets survive SIGTERM and restart; the group resumes after them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ledge-groups-proc-"));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, "ledge.yaml");
    await writeFile(config, "groups:\n  initialRebalanceDelayMs: 200ms\ntopics:\n  - { name: resume, partitions: 2 }\n");
    const args = ["--config", config, "--data-dir", join(dir, "data")];

    let ledge = await startLedge(args);
    cleanup.push(async () => ledge.child.exitCode === null && ledge.child.kill("SIGKILL"));
    const produce = async (from: number, n: number) => {
      const lines = Array.from({ length: n }, (_, i) => `k${from + i}:v${from + i}`).join("\n");
      const r = await kcat(["-b", `127.0.0.1:${ledge.ports.kafka}`, "-P", "-t", "resume", "-K", ":"], `${lines}\n`);
      expect(r.code, r.stderr).toBe(0);
    };
    await produce(0, 100);
    const first = await consumeWithGroup(ledge.ports.kafka!, "resumers", "resume", 100);
    expect(new Set(first).size).toBe(100);
    expect(first.length).toBe(100);
    const endBefore = [0, 1].map((p) => first.filter((r) => r.startsWith(`${p}:`)).length);

    await stop(ledge);
    ledge = await startLedge(args);
    await produce(100, 50);
    const second = await consumeWithGroup(ledge.ports.kafka!, "resumers", "resume", 50);
    expect(second.length).toBe(50);
    for (const r of second) {
      const [p, offset] = r.split(":").map(Number);
      expect(offset, `partition ${p} offset ${offset} was consumed and committed before the restart`).toBeGreaterThanOrEqual(endBefore[p]);
    }
    await stop(ledge);
  }, 90_000);
});
