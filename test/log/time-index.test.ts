// offsetForTimestamp (Kafka ListOffsets): the first offset whose timestamp is >= the target.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { Compression } from "../../runtime/core/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("ts", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("offsetForTimestamp", () => {
  it("finds exact records inside batches across many index intervals", async () => {
    // 200 batches of 10 records, ~2 KiB each, record i at time 1_000_000 + i * 10.
    for (let b = 0; b < 200; b++) await log.append("ts", 0, batch(10, { timestampMs: 1_000_000 + b * 100, valueBytes: 200 }));
    // batch() spaces records 1 ms apart: record r of batch b is at 1_000_000 + b*100 + r.
    expect(log.offsetForTimestamp("ts", 0, 0)).toBe(0);
    expect(log.offsetForTimestamp("ts", 0, 1_000_000)).toBe(0);
    expect(log.offsetForTimestamp("ts", 0, 1_000_003)).toBe(3);
    expect(log.offsetForTimestamp("ts", 0, 1_000_050)).toBe(10); // between batches: the next one
    expect(log.offsetForTimestamp("ts", 0, 1_000_000 + 150 * 100 + 7)).toBe(1507);
    expect(log.offsetForTimestamp("ts", 0, 1_000_000 + 199 * 100 + 9)).toBe(1999);
    expect(log.offsetForTimestamp("ts", 0, 1_000_000 + 199 * 100 + 10)).toBeNull();
  });

  it("handles timestamps that go backwards between batches", async () => {
    await log.append("ts", 0, batch(2, { timestampMs: 5_000 })); // 0..1
    await log.append("ts", 0, batch(2, { timestampMs: 1_000 })); // 2..3
    await log.append("ts", 0, batch(2, { timestampMs: 9_000 })); // 4..5
    expect(log.offsetForTimestamp("ts", 0, 1_000)).toBe(0);
    expect(log.offsetForTimestamp("ts", 0, 6_000)).toBe(4);
  });

  it("finds exact records inside compressed batches, and null on an empty partition", async () => {
    expect(log.offsetForTimestamp("ts", 0, 0)).toBeNull();
    await log.append("ts", 0, batch(5, { timestampMs: 10_000, compression: Compression.gzip }));
    await log.append("ts", 0, batch(5, { timestampMs: 20_000, compression: Compression.lz4 }));
    expect(log.offsetForTimestamp("ts", 0, 10_003)).toBe(3);
    expect(log.offsetForTimestamp("ts", 0, 10_005)).toBe(5);
    expect(log.offsetForTimestamp("ts", 0, 20_004)).toBe(9);
    expect(log.offsetForTimestamp("ts", 0, 20_005)).toBeNull();
  });

  it("respects the log start after retention", async () => {
    await log.createTopic("old", 1, { "retention.ms": 60_000 });
    for (let b = 0; b < 50; b++) await log.append("old", 0, batch(4, { timestampMs: 1_000 + b * 10, valueBytes: 300 }));
    for (let b = 0; b < 3; b++) await log.append("old", 0, batch(4, { valueBytes: 300 }));
    await log.applyRetention();
    expect(log.partitionState("old", 0).logStartOffset).toBe(200);
    expect(log.offsetForTimestamp("old", 0, 0)).toBe(200);
    expect(log.offsetForTimestamp("old", 0, 1_100)).toBe(200);
  });
});
