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
