// Reused Produce frame buffers: the pool's bounds and bookkeeping, the frame reader's use of it,
// and the property that matters: pipelined ~1 MB kcat batches, read into reused buffers, are all
// stored exactly (a buffer handed out while a batch still lived in it would corrupt records).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { BufferPool, bufferPoolBytesMin } from "../../runtime/core/buffer-pool.ts";
import { FrameReader } from "../../runtime/kafka/protocol/frame.ts";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { kcat } from "./helpers/kcat.ts";

const big = 1_000_000;

describe("BufferPool", () => {
  it("hands a given-back buffer out again for a frame of the same size class, and counts it", () => {
    let reuses = 0;
    const pool = new BufferPool(8 * 2 ** 20, () => reuses++);
    const a = pool.take(big);
    expect(a.byteLength).toBe(big);
    pool.give(a);
    expect(pool.freeBytes).toBe(2 ** 20);
    const b = pool.take(big - 1000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteLength).toBe(big - 1000);
    expect(reuses).toBe(1);
    expect(pool.freeBytes).toBe(0);
  });

  it("never holds more than freeBytesMax: buffers past the bound are left to the collector", () => {
    const pool = new BufferPool(2 * 2 ** 20);
    const frames = [pool.take(big), pool.take(big), pool.take(big)];
    for (const f of frames) pool.give(f);
    expect(pool.freeBytes).toBe(2 * 2 ** 20);
  });

  it("pools from the minimum the user sets", () => {
    const pool = new BufferPool(2 ** 20, undefined, 4096);
    const a = pool.take(5000);
    pool.give(a);
    expect(pool.freeBytes).toBe(8192);
    expect(pool.take(6000).buffer).toBe(a.buffer);
    pool.give(pool.take(4095));
    expect(pool.freeBytes).toBe(0);
  });

  it("ignores small frames, foreign buffers, views into the middle, and a second give of one buffer", () => {
    const pool = new BufferPool(8 * 2 ** 20);
    const small = pool.take(bufferPoolBytesMin - 1);
    pool.give(small);
    pool.give(new Uint8Array(big));
    const own = pool.take(big);
    pool.give(own.subarray(10));
    expect(pool.freeBytes).toBe(0);
    pool.give(own);
    pool.give(own);
    expect(pool.freeBytes).toBe(2 ** 20);
    const first = pool.take(big);
    const second = pool.take(big);
    expect(first.buffer).toBe(own.buffer);
    expect(second.buffer).not.toBe(own.buffer);
  });
});

describe("FrameReader with an allocator", () => {
  it("joins a frame split over chunks into the allocated buffer, and returns a view when one chunk holds it", () => {
    const sizes: number[] = [];
    const reader = new FrameReader(1 << 20, (n) => {
      sizes.push(n);
      return new Uint8Array(n);
    });
    const frame = (body: number[]) => Uint8Array.from([0, 0, 0, body.length, ...body]);
    const split = frame([1, 2, 3, 4, 5, 6]);
    reader.append(split.subarray(0, 6));
    reader.append(split.subarray(6));
    const joined = reader.next();
    expect(joined).toEqual({ kind: "frame", payload: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    expect(sizes).toEqual([6]);
    reader.append(frame([7, 8]));
    expect(reader.next()).toEqual({ kind: "frame", payload: Uint8Array.from([7, 8]) });
    expect(sizes).toEqual([6]);
  });
});

describe("pipelined ~1 MB Produce frames through reused buffers", () => {
  let ledge: TestLedge;
  beforeAll(async () => {
    ledge = await startTestLedge();
    await ledge.log.createTopic("reuse", 1);
  });
  afterAll(async () => {
    await ledge?.close();
  });

  it("stores every record exactly, in order, while buffers are reused", async () => {
    const count = 60_000;
    const lines = Array.from({ length: count }, (_, i) => `${String(i).padStart(8, "0")}-${(i * 7919).toString(36).padEnd(80, "q")}`);
    const bootstrap = `127.0.0.1:${ledge.port}`;
    const produce = (part: string[]) => kcat(["-b", bootstrap, "-P", "-t", "reuse", "-p", "0", "-X", "acks=all", "-X", "linger.ms=50",
      "-X", "batch.num.messages=10000", "-X", "batch.size=1000000", "-X", "queue.buffering.max.messages=100000"], `${part.join("\n")}\n`, 60_000);
    // Two producers one after the other: within one run, whether a frame arrives after an
    // earlier one was given back depends on timing; the second run starts with a stocked pool.
    for (const part of [lines.slice(0, count / 2), lines.slice(count / 2)]) expect((await produce(part)).code).toBe(0);
    const reused = ledge.metrics.counters.get("ledge_kafka_frame_buffers_reused_total")!.value;
    expect(reused).toBeGreaterThan(0);
    const consumed = await kcat(["-b", bootstrap, "-C", "-t", "reuse", "-p", "0", "-o", "beginning", "-e", "-q", "-X", "check.crcs=true"], undefined, 60_000);
    expect(consumed.code).toBe(0);
    const got = consumed.stdout.split("\n").filter((l) => l.length > 0);
    expect(got.length).toBe(count);
    const firstMismatch = got.findIndex((l, i) => l !== lines[i]);
    expect(firstMismatch).toBe(-1);
  });
});
