// The bridge's lag gauges on a real log: per partition {topic, partition} and in total, records,
// bytes and seconds. Lag bytes must equal the stored batch bytes from the next offset to ship to
// the high watermark, measured here by reading every batch, while the status itself reads only
// what was stored or shipped since its last update (and at most lagScanBytesPerUpdateMax ahead).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { readNextOffset } from "../../runtime/core/index.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { createLogger } from "../../runtime/logger.ts";
import { BridgeStatus } from "../../bridge/status.ts";
import { lagScanBytesPerUpdateMax } from "../../bridge/lag-bytes.ts";
import { laneKey, type Lane } from "../../bridge/lanes.ts";
import { batch, openLog, tempDir } from "../log/helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

function lane(topic: string, partition: number, next: number): Lane {
  return { key: laneKey(topic, partition), topic, partition, upstreamTopic: topic, priority: 0, next };
}

/** The stored bytes from `from` to the high watermark, every batch read. */
function bytesFrom(topic: string, partition: number, from: number): number {
  const { highWatermark } = log.partitionState(topic, partition);
  if (from >= highWatermark) return 0;
  return log.read(topic, partition, from, 2 ** 31 - 1).batches.reduce((n, b) => n + b.length, 0);
}

function series(m: Metrics, name: string, topic: string, partition: number): number {
  const line = m.toPrometheus().split("\n").find((l) => l.startsWith(`${name}{topic="${topic}",partition="${partition}"} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

function total(m: Metrics, name: string): number {
  const line = m.toPrometheus().split("\n").find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : NaN;
}

/** The offset after each stored batch: where the bridge's next offset stands after shipping it. */
function batchEnds(topic: string, partition: number): number[] {
  return log.read(topic, partition, 0, 2 ** 31 - 1).batches.map((b) => readNextOffset(b));
}

async function appendMany(topic: string, partition: number, count: number, valueBytes: number, timestampMs?: number): Promise<void> {
  await Promise.all(Array.from({ length: count }, (_, i) => log.appendEncoded(topic, partition, batch(1 + (i % 3), { valueBytes, timestampMs }))));
}

describe("bridge lag per partition", () => {
  it("records, bytes and seconds per {topic, partition} and in total follow appends and shipping exactly", async () => {
    await log.createTopic("t", 2);
    const m = new Metrics();
    const status = new BridgeStatus(createLogger("bridge", () => undefined), m, "up:9092");
    const oldMs = Date.now() - 60_000;
    await appendMany("t", 0, 20, 300, oldMs);
    await appendMany("t", 1, 5, 50);
    const lanes = [lane("t", 0, 0), lane("t", 1, 0)];
    status.update(log, lanes);
    for (const l of lanes) {
      expect(series(m, "ledge_bridge_lag_bytes", "t", l.partition)).toBe(bytesFrom("t", l.partition, l.next));
      expect(series(m, "ledge_bridge_lag_records", "t", l.partition)).toBe(log.partitionState("t", l.partition).highWatermark);
    }
    expect(total(m, "ledge_bridge_lag_bytes")).toBe(bytesFrom("t", 0, 0) + bytesFrom("t", 1, 0));
    expect(total(m, "ledge_bridge_lag_records")).toBe(status.lagRecords);
    expect(series(m, "ledge_bridge_lag_seconds", "t", 0)).toBeGreaterThanOrEqual(60);
    expect(series(m, "ledge_bridge_lag_seconds", "t", 1)).toBeLessThan(60);
    expect(total(m, "ledge_bridge_lag_seconds")).toBe(series(m, "ledge_bridge_lag_seconds", "t", 0));

    // Ship some batches (next moves to a batch end), store more, ship, go back (a new session
    // resumed from upstream's cursor), catch up: exact at every step.
    const ends = batchEnds("t", 0);
    for (const next of [ends[3], ends[9], ends[2], ends[19]]) {
      lanes[0].next = next;
      await appendMany("t", 0, 2, 120);
      await appendMany("t", 1, 1, 80);
      status.update(log, lanes);
      for (const l of lanes) expect(series(m, "ledge_bridge_lag_bytes", "t", l.partition), `partition ${l.partition} at ${l.next}`).toBe(bytesFrom("t", l.partition, l.next));
    }
    for (const l of lanes) l.next = log.partitionState("t", l.partition).highWatermark;
    status.update(log, lanes);
    expect(total(m, "ledge_bridge_lag_bytes")).toBe(0);
    expect(total(m, "ledge_bridge_lag_records")).toBe(0);
    expect(series(m, "ledge_bridge_lag_bytes", "t", 1)).toBe(0);
    expect(total(m, "ledge_bridge_lag_seconds")).toBe(0);

    // A partition no longer shipped leaves /metrics; the totals stay.
    status.update(log, [lanes[0]]);
    expect(m.toPrometheus()).not.toContain('partition="1"');
    expect(m.toPrometheus()).toMatch(/^ledge_bridge_lag_records 0$/m);
  });

  it("a backlog larger than lagScanBytesPerUpdateMax: each update reads about that much, estimates the rest, then is exact", async () => {
    await log.createTopic("big", 1);
    const batches = Math.ceil((2.5 * lagScanBytesPerUpdateMax) / (32 * 1024));
    for (let i = 0; i < batches; i += 50) await appendMany("big", 0, Math.min(50, batches - i), 32 * 1024);
    const m = new Metrics();
    const status = new BridgeStatus(createLogger("bridge", () => undefined), m, "up:9092");
    const exact = bytesFrom("big", 0, 0);
    expect(exact).toBeGreaterThan(2 * lagScanBytesPerUpdateMax);
    // Counts the bytes of every batch the status looks at (sizes and headers are read in place).
    let visited = 0;
    const visit = log.visitBatches.bind(log);
    const reads = vi.spyOn(log, "visitBatches").mockImplementation((topic, partition, offset, end, visitor) =>
      visit(topic, partition, offset, end, (b) => ((visited += b.length), visitor(b))));
    const readBytes = () => visited;
    const l = [lane("big", 0, 0)];
    status.update(log, l);
    // The batch that crosses the budget is counted, and the timestamp probe reads one batch.
    expect(readBytes()).toBeGreaterThanOrEqual(lagScanBytesPerUpdateMax);
    expect(readBytes()).toBeLessThanOrEqual(lagScanBytesPerUpdateMax + 2 * 97 * 1024);
    const estimate = status.lagBytes;
    expect(estimate).not.toBe(exact); // not scanned to the end, so estimated...
    expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.05); // ...from batches of the same size
    // Each update scans on from where the last stopped: exact after about exact / budget of them.
    for (let i = 1; i < Math.ceil(exact / lagScanBytesPerUpdateMax); i++) status.update(log, l);
    expect(status.lagBytes).toBe(exact);
    visited = 0;
    status.update(log, l); // nothing new stored or shipped: one timestamp probe, nothing scanned
    expect(readBytes()).toBeLessThanOrEqual(97 * 1024);
    reads.mockRestore();
  });

  it("retention removing shipped batches below the next offset leaves lag bytes exact", async () => {
    await log.createTopic("r", 1, { "retention.bytes": 4000 });
    await log.setProtectedOffset("r", 0, 0);
    await appendMany("r", 0, 30, 200);
    const m = new Metrics();
    const status = new BridgeStatus(createLogger("bridge", () => undefined), m, "up:9092");
    const l = [lane("r", 0, 0)];
    status.update(log, l);
    expect(status.lagBytes).toBe(bytesFrom("r", 0, 0));
    const ends = batchEnds("r", 0);
    l[0].next = ends[25];
    await log.setProtectedOffset("r", 0, ends[25]);
    await log.applyRetention();
    expect(log.partitionState("r", 0).logStartOffset).toBeGreaterThan(0);
    status.update(log, l);
    expect(status.lagBytes).toBe(bytesFrom("r", 0, l[0].next));
    expect(status.lagBytes).toBeGreaterThan(0);
  });

  it("records of a blocked upstream topic count as lag but are no drain: no progress lines for them", async () => {
    await log.createTopic("held", 1);
    await log.createTopic("moving", 1);
    await appendMany("held", 0, 5, 50);
    const lines: string[] = [];
    const status = new BridgeStatus(createLogger("bridge", (l) => lines.push(l)), new Metrics(), "up:9092");
    status.blocked("held", "upstream topic held has 0 partitions");
    const lanes = [lane("held", 0, 0), lane("moving", 0, 0)];
    vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      for (let i = 0; i < 3; i++) {
        status.update(log, lanes);
        vi.advanceTimersByTime(11_000);
      }
      expect(status.lagRecords).toBe(log.partitionState("held", 0).highWatermark);
      expect(lines.filter((l) => l.includes("draining"))).toEqual([]);
      // The same records on a topic that may ship are a drain, and say so.
      status.unblocked("held");
      for (let i = 0; i < 3; i++) {
        status.update(log, lanes);
        vi.advanceTimersByTime(11_000);
      }
      expect(lines.some((l) => /bridge: draining: \d+ records left, 0 records\/s, not moving/.test(l))).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
