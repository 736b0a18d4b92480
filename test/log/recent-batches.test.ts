// The newest committed batches kept in memory (recent-batches.ts): readers at the tail get the
// same bytes LMDB holds, without reading LMDB's map; what the cache cannot vouch for (evicted,
// rewritten, behind the high watermark) goes to LMDB.
import { afterEach, describe, expect, it } from "vitest";
import { Metrics } from "../../runtime/metrics/index.ts";
import { RecentBatches, RECENT_BATCH_BYTES_MAX } from "../../runtime/log/recent-batches.ts";
import type { Partition } from "../../runtime/log/partition.ts";
import type { ReadResult } from "../../runtime/log/types.ts";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";
import { readBaseOffset, readNextOffset } from "../../runtime/core/index.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function reads(metrics: Metrics): { memory: number; lmdb: number } {
  const text = metrics.toPrometheus();
  const count = (source: string) => Number(new RegExp(`^ledge_log_reads_total\\{source="${source}"\\} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  return { memory: count("memory"), lmdb: count("lmdb") };
}

/** Every read a tail reader could make of topic "t": offsets, limits, with and without a buffer. */
function readAll(log: Log): string[] {
  const out: string[] = [];
  const into = new Uint8Array(6_000);
  for (const partition of [0, 1]) {
    const { highWatermark } = log.partitionState("t", partition);
    for (let offset = 0; offset <= highWatermark; offset += 3) {
      for (const maxBytes of [1, 900, 5_000, 1 << 20]) {
        out.push(`${partition}@${offset}/${maxBytes} copies ${log.read("t", partition, offset, maxBytes).batches.map(hex).join(",")}`);
        out.push(`${partition}@${offset}/${maxBytes} into ${log.readInto("t", partition, offset, maxBytes, into).batches.map(hex).join(",")}`);
        out.push(`${partition}@${offset}/${maxBytes} committed ${log.readCommitted("t", partition, offset, maxBytes, into).batches.map(hex).join(",")}`);
      }
      const visited: string[] = [];
      log.visitBatches("t", partition, offset, highWatermark, (b) => (visited.push(hex(b)), visited.length < 4));
      out.push(`${partition}@${offset} visit ${visited.join(",")}`);
    }
  }
  return out;
}

let t: ReturnType<typeof tempDir> | undefined;
afterEach(() => {
  t?.remove();
  t = undefined;
});

describe("recent batches through the log", () => {
  it("serve the tail byte-identical to LMDB, which serves the same reads after a restart", async () => {
    t = tempDir();
    const live = new Metrics();
    let log = await openLog(t.dir, { metrics: live });
    await log.createTopic("t", 2);
    for (let i = 1; i <= 30; i++) await log.append("t", i % 2, batch(1 + (i % 9), { prefix: `b${i}`, valueBytes: 10 + 53 * (i % 5) }));
    const fromMemory = readAll(log);
    expect(reads(live)).toEqual({ memory: expect.any(Number), lmdb: 0 });
    expect(reads(live).memory).toBeGreaterThan(100);
    expect(live.toPrometheus()).toContain(`ledge_log_reads_total ${reads(live).memory}\n`); // unlabelled: all
    await log.close();

    const restarted = new Metrics();
    log = await openLog(t.dir, { metrics: restarted });
    try {
      expect(readAll(log)).toEqual(fromMemory);
      expect(reads(restarted).memory).toBe(0); // nothing appended since the start: all from LMDB
      expect(reads(restarted).lmdb).toBeGreaterThan(100);
      // The first append after the start is served from memory, what came before from LMDB.
      const { highWatermark } = log.partitionState("t", 0);
      await log.append("t", 0, batch(3, { prefix: "after" }));
      const before = reads(restarted);
      expect(log.read("t", 0, highWatermark, 1 << 20).batches).toHaveLength(1);
      expect(log.read("t", 0, 0, 1 << 20).batches.length).toBeGreaterThan(1);
      expect(reads(restarted)).toEqual({ memory: before.memory + 1, lmdb: before.lmdb + 1 });
    } finally {
      await log.close();
    }
  });

  it("a deleted and recreated topic is read from its new data only", async () => {
    t = tempDir();
    const log = await openLog(t.dir);
    try {
      await log.createTopic("t", 1);
      await log.append("t", 0, batch(5, { prefix: "old" }));
      await log.deleteTopic("t");
      await log.createTopic("t", 1);
      await log.append("t", 0, batch(2, { prefix: "new" }));
      const [only] = log.read("t", 0, 0, 1 << 20).batches;
      expect(Buffer.from(only).toString()).toContain("new-1");
      expect(Buffer.from(only).toString()).not.toContain("old");
    } finally {
      await log.close();
    }
  });
});

// The cache alone, with partitions that are only what it looks at: identity and high watermark.
function counters() {
  const metrics = new Metrics();
  const c = metrics.counter("reads", "test");
  return { metrics, reads: { memory: c.with({ source: "memory" }), lmdb: c.with({ source: "lmdb" }) } };
}

const partition = () => ({ highWatermark: 0 }) as Partition;

/** Publishes batches of `count` records each to `p` and moves its high watermark, as a commit does. */
function commit(recent: RecentBatches, p: Partition, counts: number[], removedFrom = new Map<Partition, number>()): Uint8Array[] {
  const staged = counts.map((count) => {
    const b = batch(count, { baseOffset: p.highWatermark, valueBytes: 40 });
    const s = recent.stage(p, p.highWatermark, b);
    p.highWatermark += count;
    return { s, b };
  });
  recent.published(staged.map((x) => x.s), removedFrom);
  return staged.map((x) => x.b);
}

function collect(recent: RecentBatches, p: Partition, offset: number, maxBytes = 1 << 20): string[] | null {
  const out: ReadResult = { batches: [], totalBytes: 0, highWatermark: p.highWatermark, logStartOffset: 0 };
  return recent.collect(p, offset, p.highWatermark, maxBytes, undefined, out) ? out.batches.map(hex) : null;
}

describe("RecentBatches", () => {
  it("keeps the newest batches within its byte bound and sends older reads to LMDB", () => {
    const batchBytes = batch(2, { valueBytes: 40 }).byteLength;
    const recent = new RecentBatches(counters().reads, batchBytes * 3);
    const p = partition();
    const sent = commit(recent, p, [2, 2, 2, 2, 2]); // offsets 0..9, five batches
    expect(recent.bytes).toBe(batchBytes * 3);
    expect(collect(recent, p, 0)).toBeNull(); // evicted
    expect(collect(recent, p, 3)).toBeNull();
    expect(collect(recent, p, 4)).toEqual(sent.slice(2).map(hex));
    expect(collect(recent, p, 7)).toEqual(sent.slice(3).map(hex)); // the batch holding 7 starts at 6
    expect(collect(recent, p, 10)).toEqual([]); // at the high watermark
    expect(collect(recent, p, 4, 1)).toEqual([hex(sent[2])]); // at least one batch
  });

  it("copies what it stages: the caller may reuse its buffer before the commit is published", () => {
    const recent = new RecentBatches(counters().reads);
    const p = partition();
    const b = batch(3, { valueBytes: 10 });
    const original = hex(b);
    recent.published([recent.stage(p, 0, b)], new Map());
    p.highWatermark = 3;
    b.fill(0);
    expect(collect(recent, p, 0)).toEqual([original]);
  });

  it("serves a partition only while its entries reach the high watermark", () => {
    const { metrics, reads } = counters();
    const recent = new RecentBatches(reads);
    const p = partition();
    commit(recent, p, [4]);
    p.highWatermark += 2; // committed elsewhere and not here (as a batch too large to keep would be)
    expect(collect(recent, p, 0)).toBeNull();
    expect(metrics.toPrometheus()).toMatch(/reads\{source="lmdb"\} 1/);
  });

  it("drops a partition whose batches were removed at or after its first entry, keeps it for removals below", () => {
    const recent = new RecentBatches(counters().reads);
    const p = partition();
    commit(recent, p, [2, 2, 2]);
    commit(recent, p, [], new Map([[p, 0]])); // the first cached batch removed: all dropped
    expect(collect(recent, p, 0)).toBeNull();
    const more = commit(recent, p, [2, 2]); // 6..9
    commit(recent, p, [], new Map([[p, 4]])); // below the first entry (6): kept
    expect(collect(recent, p, 6)).toEqual(more.map(hex));
    commit(recent, p, [], new Map([[p, 8]]));
    expect(collect(recent, p, 8)).toBeNull();
  });

  it("starts over when a batch does not follow the last one (a rewrite), and keeps no batch over its size cap", () => {
    const recent = new RecentBatches(counters().reads);
    const p = partition();
    commit(recent, p, [2, 2]); // 0..3
    const rewritten = batch(1, { baseOffset: 1 });
    recent.published([recent.stage(p, 1, rewritten)], new Map());
    expect(collect(recent, p, 1)).toBeNull(); // ends at 2, the high watermark is 4

    const q = partition();
    commit(recent, q, [2]);
    expect(collect(recent, q, 0)).not.toBeNull();
    const big = new Uint8Array(RECENT_BATCH_BYTES_MAX + 1);
    expect(recent.stage(q, 2, big).bytes).toBeNull();
    recent.published([recent.stage(q, 2, big)], new Map());
    q.highWatermark = 3;
    expect(collect(recent, q, 0)).toBeNull();
  });

  it("keeps batches of mixed sizes intact as they wrap around its ring, across partitions", () => {
    const bound = 4096;
    const recent = new RecentBatches(counters().reads, bound);
    const parts = [partition(), partition(), partition()];
    const sent = parts.map(() => [] as Uint8Array[]);
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const k = next() % parts.length;
      const p = parts[k];
      const b = batch(1 + (next() % 4), { baseOffset: p.highWatermark, valueBytes: 20 + (next() % 400), prefix: `b${i}` });
      const s = recent.stage(p, p.highWatermark, b);
      p.highWatermark = readNextOffset(b);
      recent.published([s], new Map());
      sent[k].push(b);
      expect(recent.bytes).toBeLessThanOrEqual(bound);
      // Whatever a partition serves from memory is its newest batches, byte for byte.
      for (let j = 0; j < parts.length; j++) {
        for (const back of [1, 3, 8, 20]) {
          const from = sent[j].length - back;
          if (from < 0) break;
          const q = parts[j];
          const out: ReadResult = { batches: [], totalBytes: 0, highWatermark: q.highWatermark, logStartOffset: 0 };
          if (!recent.collect(q, readBaseOffset(sent[j][from]), q.highWatermark, 1 << 20, undefined, out)) break;
          expect(out.batches.map(hex)).toEqual(sent[j].slice(from).map(hex));
        }
      }
    }
    // The newest batch is always held.
    expect(recent.count).toBeGreaterThan(0);
  });

  it("holds no more than its bound however often partitions are forgotten", () => {
    const batchBytes = batch(1, { valueBytes: 40 }).byteLength;
    const recent = new RecentBatches(counters().reads, batchBytes * 4);
    const p = partition();
    for (let i = 0; i < 200; i++) {
      commit(recent, p, [1]);
      p.highWatermark += 1; // a gap: the next batch does not follow, so the partition starts over
      expect(recent.bytes).toBeLessThanOrEqual(batchBytes * 4);
      expect(recent.count).toBeLessThanOrEqual(4);
    }
    const live = commit(recent, p, [1]);
    expect(collect(recent, p, p.highWatermark - 1)).toEqual(live.map(hex));
  });
});
