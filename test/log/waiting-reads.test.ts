// waitForData: wakes on new data, times out, aborts, and fails when the topic is deleted.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { batch, logDefaults, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("w", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("waitForData", () => {
  it("resolves true at once when data is already there", async () => {
    await log.append("w", 0, batch(2));
    expect(await log.waitForData("w", 0, 1, 10_000)).toBe(true);
  });

  it("wakes a parked reader when an append becomes durable", async () => {
    const waiting = log.waitForData("w", 0, 0, 10_000);
    const started = Date.now();
    await log.append("w", 0, batch(1));
    expect(await waiting).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(log.read("w", 0, 0, 100).batches.length).toBe(1);
  });

  it("resolves false on timeout, and on abort", async () => {
    expect(await log.waitForData("w", 0, 0, 30)).toBe(false);
    const ac = new AbortController();
    const p = log.waitForData("w", 0, 0, 10_000, ac.signal);
    ac.abort();
    expect(await p).toBe(false);
    expect(await log.waitForData("w", 0, 0, 10_000, AbortSignal.abort())).toBe(false);
  });

  it("only wakes readers whose offset is now below the high watermark", async () => {
    await log.append("w", 0, batch(1));
    const far = log.waitForData("w", 0, 5, 200);
    await log.append("w", 0, batch(1));
    expect(await far).toBe(false);
  });

  it("an unknown topic or partition is a rejected promise, not a throw", async () => {
    await expect(log.waitForData("nope", 0, 0, 10)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    await expect(log.waitForData("w", 3, 0, 10)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_PARTITION" });
  });

  it("a reader waiting on a deleted topic gets a typed error", async () => {
    const check = expect(log.waitForData("w", 0, 0, 10_000)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    await log.deleteTopic("w");
    await check;
  });
});

describe("log.waiterCountPerPartitionMax", () => {
  it("parks at most that many readers on a partition; one more is refused at once, and the set never grows", async () => {
    const t2 = tempDir();
    const bounded = await openLog(t2.dir, { log: { ...logDefaults, waiterCountPerPartitionMax: 3 } });
    try {
      await bounded.createTopic("b", 2);
      const parked = Array.from({ length: 3 }, () => bounded.waitForData("b", 0, 0, 10_000));
      const started = Date.now();
      for (let i = 0; i < 50; i++) {
        await expect(bounded.waitForData("b", 0, 0, 10_000)).rejects.toMatchObject({
          code: "LEDGE_ERR_TOO_MANY_WAITERS", kafkaErrorCode: 7, retriable: true, message: expect.stringContaining("b/0 already has 3 readers waiting"),
        });
      }
      expect(Date.now() - started).toBeLessThan(5_000); // refused at once, not parked
      // Another partition has its own bound.
      const other = bounded.waitForData("b", 1, 0, 10_000);
      await bounded.append("b", 0, batch(1));
      expect(await Promise.all(parked)).toEqual([true, true, true]);
      // Woken readers leave room: the next one parks again.
      const again = bounded.waitForData("b", 0, 1, 10_000);
      await bounded.append("b", 0, batch(1));
      expect(await again).toBe(true);
      await bounded.append("b", 1, batch(1));
      expect(await other).toBe(true);
    } finally {
      await bounded.close();
      t2.remove();
    }
  });
});

describe("waitForAnyStable", () => {
  it("wakes on any of several partitions, then leaves no reader parked on the others", async () => {
    const t2 = tempDir();
    const bounded = await openLog(t2.dir, { log: { ...logDefaults, waiterCountPerPartitionMax: 2 } });
    try {
      await bounded.createTopic("m", 3);
      const wants = [0, 1, 2].map((partition) => ({ topic: "m", partition, offset: 0 }));
      // Five rounds, each woken by partition 2: were the waits on 0 and 1 left parked, the third
      // round would be refused on them (two readers at most).
      for (let round = 0; round < 5; round++) {
        const waiting = bounded.waitForAnyStable(wants.map((w) => (w.partition === 2 ? { ...w, offset: round } : w)), 10_000);
        await bounded.append("m", 2, batch(1));
        expect(await waiting).toBe(true);
      }
      expect(await Promise.all([bounded.waitForData("m", 0, 0, 10), bounded.waitForData("m", 1, 0, 10)])).toEqual([false, false]);
    } finally {
      await bounded.close();
      t2.remove();
    }
  });

  it("is true at once when one partition already has data past its offset; false on timeout and on abort", async () => {
    await log.createTopic("n", 2);
    await log.append("n", 1, batch(3));
    expect(await log.waitForAnyStable([{ topic: "n", partition: 0, offset: 0 }, { topic: "n", partition: 1, offset: 2 }], 10_000)).toBe(true);
    const started = Date.now();
    expect(await log.waitForAnyStable([{ topic: "n", partition: 0, offset: 0 }, { topic: "n", partition: 1, offset: 3 }], 50)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    const ac = new AbortController();
    const aborted = log.waitForAnyStable([{ topic: "n", partition: 0, offset: 0 }], 10_000, ac.signal);
    ac.abort();
    expect(await aborted).toBe(false);
    expect(await log.waitForAnyStable([], 20)).toBe(false); // nothing to wait for: the timeout
  });

  it("waits past data an open Kafka transaction holds back, and rejects an unknown topic", async () => {
    await expect(log.waitForAnyStable([{ topic: "w", partition: 0, offset: 0 }, { topic: "w", partition: 5, offset: 0 }], 10)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_PARTITION" });
    await log.append("w", 0, batch(3, { producerId: 1000, producerEpoch: 0, baseSequence: 0, transactional: true }));
    expect(log.partitionState("w", 0)).toMatchObject({ highWatermark: 3, lastStableOffset: 0 });
    expect(await log.waitForAnyStable([{ topic: "w", partition: 0, offset: 0 }], 50)).toBe(false);
    const waiting = log.waitForAnyStable([{ topic: "w", partition: 0, offset: 0 }], 10_000);
    await log.appendMarker("w", 0, { producerId: 1000, producerEpoch: 0, commit: true, coordinatorEpoch: 1 });
    expect(await waiting).toBe(true);
    expect(log.partitionState("w", 0).lastStableOffset).toBe(4);
    await expect(log.waitForAnyStable([{ topic: "nope", partition: 0, offset: 0 }], 10)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC" });
  });
});
