// Crash safety with real processes: a child appends with acknowledgements and is SIGKILLed at
// random moments, 20 times under storage.sync: always and 10 times under interval (acks before
// the fsync: a killed process still loses nothing, the page cache keeps committed data). After
// each kill every acknowledged batch is present byte for byte, offsets run without gaps or
// reuse, and every stored batch passes its CRC (none is torn).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { readBatchHeader, validateBatch } from "../../runtime/core/index.ts";
import { openLog, tempDir } from "./helpers.ts";
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

const child = fileURLToPath(new URL("./crash-child.ts", import.meta.url));
const dirs = { always: tempDir(), interval: tempDir() };
afterAll(() => Object.values(dirs).forEach((d) => d.remove()));
type Sync = keyof typeof dirs;

interface Ack { partition: number; baseOffset: number; count: number; sha: string }

/** Runs the child until it is ready plus a random delay, kills it, and returns its acks. */
function runAndKill(sync: Sync, run: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child, dirs[sync].dir, String(run), sync], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killTimer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (!killTimer && out.includes("ready\n")) killTimer = setTimeout(() => proc.kill("SIGKILL"), killAfterMs);
    });
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.on("error", reject);
    proc.on("close", (code, signal) => { // after the pipes drain: every ack printed is read
      clearTimeout(guard);
      clearTimeout(killTimer);
      if (signal !== "SIGKILL") return reject(new Error(`child exited ${code} ${signal}: ${err}`));
      if (!out.includes("ready\n")) return reject(new Error(`child never got ready: ${err}`));
      const acks = out.split("\n").filter((l) => l.startsWith("ack ")).map((l) => {
        const [, partition, baseOffset, count, sha] = l.split(" ");
        return { partition: Number(partition), baseOffset: Number(baseOffset), count: Number(count), sha };
      });
      resolve(acks.filter((a) => a.sha?.length === 40)); // a line cut by the kill is not an ack
    });
  });
}

// The kill moments come from a seed named in the test title: LEDGE_TEST_SEED=N replays them
// (the child's own timing still varies from run to run).
const seed = Number(process.env.LEDGE_TEST_SEED ?? Date.now() % 1_000_000);
const killDelayMs = ((random) => () => 20 + Math.floor(random() * 250))(seededRandom(seed));

describe.each([["always", 20], ["interval", 10]] as const)("crash safety, storage.sync: %s (SIGKILL x %i)", (sync, runs) => {
  it(`keeps every acknowledged batch intact, with offsets continuing without gaps or reuse (kill delays from seed ${seed})`, async () => {
    const acked = new Map<string, Ack>();
    let totalAcks = 0;
    for (let run = 0; run < runs; run++) {
      const acks = await runAndKill(sync, run, killDelayMs());
      totalAcks += acks.length;
      for (const a of acks) {
        const key = `${a.partition}/${a.baseOffset}`;
        expect(acked.has(key), `offset ${key} acknowledged twice`).toBe(false);
        acked.set(key, a);
      }
      const log = await openLog(dirs[sync].dir, { storage: { sync } });
      try {
        for (const partition of [0, 1]) {
          const { logStartOffset, highWatermark } = log.partitionState("crash", partition);
          expect(logStartOffset).toBe(0);
          let next = 0;
          let offset = 0;
          while (offset < highWatermark) {
            const { batches } = log.read("crash", partition, offset, 1 << 20);
            expect(batches.length).toBeGreaterThan(0);
            for (const b of batches) {
              const h = validateBatch(b); // a torn batch fails its CRC or framing
              expect(h.baseOffset, `gap or overlap in partition ${partition}`).toBe(next);
              next = h.baseOffset + h.lastOffsetDelta + 1;
              const ack = acked.get(`${partition}/${h.baseOffset}`);
              if (ack) {
                expect(createHash("sha1").update(b).digest("hex")).toBe(ack.sha);
                expect(h.recordCount).toBe(ack.count);
              }
            }
            offset = next;
          }
          expect(next).toBe(highWatermark);
        }
        for (const a of acked.values()) {
          expect(a.baseOffset + a.count, `acked batch ${a.partition}/${a.baseOffset} lost`).toBeLessThanOrEqual(log.partitionState("crash", a.partition).highWatermark);
          const [first] = log.read("crash", a.partition, a.baseOffset, 1).batches;
          expect(readBatchHeader(first).baseOffset).toBe(a.baseOffset);
        }
      } finally {
        await log.close();
      }
    }
    expect(totalAcks).toBeGreaterThan(runs); // the children really acknowledged work before dying
  }, 180_000); // 20 child processes: room for a loaded 2-core CI
});
