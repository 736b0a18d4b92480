// append / read / partition state on a real LMDB environment.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBatch, readBatchHeader } from "../../runtime/core/index.ts";
import { isLogError, type Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("events", 2);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("append", () => {
  it("assigns consecutive offsets per partition and stores the bytes unchanged but for baseOffset", async () => {
    const a = batch(3, { prefix: "a" });
    const original = new Uint8Array(a);
    const r1 = await log.append("events", 0, a);
    const r2 = await log.append("events", 0, batch(2, { prefix: "b" }));
    const r3 = await log.append("events", 1, batch(1));
    expect([r1.baseOffset, r2.baseOffset, r3.baseOffset]).toEqual([0, 3, 0]);
    expect(r1.duplicate).toBe(false);
    expect(log.partitionState("events", 0)).toEqual({ logStartOffset: 0, highWatermark: 5, lastStableOffset: 5 });
    const read = log.read("events", 0, 0, 1 << 20);
    expect(read.batches.length).toBe(2);
    expect(Buffer.from(read.batches[0].subarray(16)).equals(Buffer.from(original.subarray(16)))).toBe(true);
    expect(readBatchHeader(read.batches[1]).baseOffset).toBe(3);
    expect(readBatchHeader(read.batches[0]).partitionLeaderEpoch).toBe(0);
    const decoded = decodeBatch(read.batches[1]);
    expect(decoded.records.map((r) => r.offset)).toEqual([3, 4]);
  });

  it("group-commits concurrent appends into one transaction each window", async () => {
    const before = log.metrics().commits;
    const results = await Promise.all(Array.from({ length: 50 }, () => log.append("events", 0, batch(2))));
    const offsets = results.map((r) => r.baseOffset).sort((a, b) => a - b);
    expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(log.metrics().commits - before).toBeLessThanOrEqual(3);
  });

  it("with storage.commitDelayMs, appends within the window share one transaction", async () => {
    const t2 = tempDir();
    const delayed = await openLog(t2.dir, { storage: { commitDelayMs: 30 } });
    try {
      await delayed.createTopic("d", 1);
      const before = delayed.metrics().commits;
      const first = delayed.append("d", 0, batch(1));
      await new Promise((r) => setTimeout(r, 5));
      const rest = Array.from({ length: 9 }, () => delayed.append("d", 0, batch(1)));
      const results = await Promise.all([first, ...rest]);
      expect(results.map((r) => r.baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(delayed.metrics().commits - before).toBe(1);
    } finally {
      await delayed.close();
      t2.remove();
    }
  });

  it("refuses bad batches with typed errors and stores nothing", async () => {
    const good = batch(2);
    const badCrc = new Uint8Array(good);
    badCrc[badCrc.length - 1] ^= 0xff;
    await expect(log.append("events", 0, badCrc)).rejects.toMatchObject({ kafkaErrorCode: 2 });
    await expect(log.append("events", 0, good.subarray(0, 40))).rejects.toMatchObject({ code: "LEDGE_ERR_CORRUPT_BATCH", kafkaErrorCode: 2 });
    const badMagic = new Uint8Array(good);
    badMagic[16] = 1;
    await expect(log.append("events", 0, badMagic)).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_RECORD", kafkaErrorCode: 87 });
    const truncated = good.subarray(0, good.length - 3);
    await expect(log.append("events", 0, truncated)).rejects.toMatchObject({ kafkaErrorCode: 2 });
    await expect(log.append("nope", 0, batch(1))).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC", kafkaErrorCode: 3 });
    await expect(log.append("events", 2, batch(1))).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_PARTITION", kafkaErrorCode: 3 });
    expect(log.partitionState("events", 0).highWatermark).toBe(0);
  });

  it("refuses a batch over the topic's max.message.bytes", async () => {
    await log.createTopic("small", 1, { "max.message.bytes": 200 });
    await expect(log.append("small", 0, batch(10, { valueBytes: 50 }))).rejects.toMatchObject({ code: "LEDGE_ERR_MESSAGE_TOO_LARGE", kafkaErrorCode: 10 });
    expect((await log.append("small", 0, batch(1))).baseOffset).toBe(0);
  });
});

describe("read", () => {
  beforeEach(async () => {
    for (let i = 0; i < 5; i++) await log.append("events", 0, batch(4, { valueBytes: 100 })); // offsets 0..19
  });

  it("starts with the batch holding the offset", () => {
    const r = log.read("events", 0, 6, 1 << 20);
    expect(readBatchHeader(r.batches[0]).baseOffset).toBe(4);
    expect(r.batches.length).toBe(4);
    expect(r.highWatermark).toBe(20);
  });

  it("returns at least one whole batch even when maxBytes is smaller, and stops at maxBytes", () => {
    expect(log.read("events", 0, 0, 1).batches.length).toBe(1);
    const one = log.read("events", 0, 0, 1).totalBytes;
    expect(log.read("events", 0, 0, one * 2 + 1).batches.length).toBe(2);
  });

  it("at log start, at the high watermark and beyond", () => {
    expect(readBatchHeader(log.read("events", 0, 0, 1000).batches[0]).baseOffset).toBe(0);
    expect(log.read("events", 0, 20, 1000).batches).toEqual([]);
    expect(() => log.read("events", 0, 21, 1000)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_OFFSET_OUT_OF_RANGE", kafkaErrorCode: 1 }));
    expect(() => log.read("events", 0, -1, 1000)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_OFFSET_OUT_OF_RANGE" }));
    let err: unknown;
    try {
      log.read("events", 0, 99, 10);
    } catch (e) {
      err = e;
    }
    expect(isLogError(err, "LEDGE_ERR_OFFSET_OUT_OF_RANGE"), "reading past the high watermark must throw").toBe(true);
    expect((err as Error).message).toContain("events/0");
  });

  it("keeps offsets and bytes across a restart without scanning", async () => {
    const before = log.read("events", 0, 0, 1 << 20);
    await log.close();
    log = await openLog(t.dir);
    expect(log.partitionState("events", 0)).toEqual({ logStartOffset: 0, highWatermark: 20, lastStableOffset: 20 });
    const after = log.read("events", 0, 0, 1 << 20);
    expect(after.batches.map((b) => Buffer.from(b).toString("hex"))).toEqual(before.batches.map((b) => Buffer.from(b).toString("hex")));
    expect((await log.append("events", 0, batch(1))).baseOffset).toBe(20);
  });
});

describe("append queue bound", () => {
  it("callers past storage.appendQueueBytesMax wait for room (backpressure), then all commit in order", async () => {
    const t2 = tempDir();
    const size = batch(10, { valueBytes: 100 }).byteLength;
    const small = await openLog(t2.dir, { storage: { appendQueueBytesMax: size * 3 } });
    try {
      await small.createTopic("q", 1);
      const pending = Array.from({ length: 40 }, () => small.append("q", 0, batch(10, { valueBytes: 100 })));
      expect(small.metrics().queuedBytes).toBeLessThanOrEqual(size * 4);
      const results = await Promise.all(pending);
      expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 40 }, (_, i) => i * 10));
      expect(small.metrics().queuedBytes).toBe(0);
    } finally {
      await small.close();
      t2.remove();
    }
  });
});

describe("storage.transactionBytesMax", () => {
  it("no transaction takes more append bytes than the bound; a larger batch commits alone", async () => {
    const t2 = tempDir();
    const one = batch(10, { valueBytes: 1000 }).byteLength; // ~10 KiB
    const bounded = await openLog(t2.dir, { storage: { transactionBytesMax: 3 * one } });
    try {
      await bounded.createTopic("x", 1);
      const before = bounded.metrics().commits;
      const results = await Promise.all(Array.from({ length: 30 }, () => bounded.append("x", 0, batch(10, { valueBytes: 1000 }))));
      expect(results.map((r) => r.baseOffset)).toEqual(Array.from({ length: 30 }, (_, i) => i * 10));
      // 30 batches, at most 3 per transaction.
      expect(bounded.metrics().commits - before).toBeGreaterThanOrEqual(10);
      const big = batch(50, { valueBytes: 1000 });
      expect(big.byteLength).toBeGreaterThan(3 * one);
      expect((await bounded.append("x", 0, big)).baseOffset).toBe(300);
    } finally {
      await bounded.close();
      t2.remove();
    }
  });

  it("with the default bound the same appends share far fewer transactions", async () => {
    const before = log.metrics().commits;
    await Promise.all(Array.from({ length: 30 }, () => log.append("events", 0, batch(10, { valueBytes: 1000 }))));
    expect(log.metrics().commits - before).toBeLessThanOrEqual(3);
  });
});

