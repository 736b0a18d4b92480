// Retention by time and size with exact survivors, the bridge's protected offset, and the
// storage.maxBytes cap (drop-oldest counts what it drops; reject refuses until space returns).
import { afterEach, describe, expect, it } from "vitest";
import { readBatchHeader } from "../../runtime/core/index.ts";
import type { Log } from "../../runtime/log/index.ts";
import type { StorageConfig } from "../../runtime/config/schema.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;
let warnings: string[];

afterEach(async () => {
  await log.close();
  t.remove();
});

async function setup(storage: Partial<StorageConfig> = {}): Promise<void> {
  t = tempDir();
  warnings = [];
  log = await openLog(t.dir, {
    storage,
    logger: { info() {}, warn: (m: string) => warnings.push(m), error() {}, child() { return this; } },
  });
}

const bases = (l: Log, topic: string, p = 0) => {
  const { logStartOffset } = l.partitionState(topic, p);
  return l.read(topic, p, logStartOffset, 1 << 24).batches.map((b) => readBatchHeader(b).baseOffset);
};

describe("retention", () => {
  it("retention.ms deletes whole batches older than the limit, nothing newer", async () => {
    await setup();
    await log.createTopic("r", 1, { "retention.ms": 60_000 });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 3; i++) await log.append("r", 0, batch(2, { timestampMs: old + i }));
    for (let i = 0; i < 2; i++) await log.append("r", 0, batch(2));
    await log.applyRetention();
    expect(bases(log, "r")).toEqual([6, 8]);
    expect(log.partitionState("r", 0)).toEqual({ logStartOffset: 6, highWatermark: 10, lastStableOffset: 10 });
    expect(() => log.read("r", 0, 3, 100)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_OFFSET_OUT_OF_RANGE" }));
    expect(log.metrics().retainedOutBatches).toBe(3);
    await log.close();
    log = await openLog(t.dir);
    expect(log.partitionState("r", 0)).toEqual({ logStartOffset: 6, highWatermark: 10, lastStableOffset: 10 });
  });

  it("retention.bytes keeps the newest batches within the limit", async () => {
    await setup();
    const size = batch(2, { valueBytes: 100 }).byteLength;
    await log.createTopic("s", 1, { "retention.bytes": Math.floor(size * 2.5) });
    for (let i = 0; i < 5; i++) await log.append("s", 0, batch(2, { valueBytes: 100 }));
    await log.applyRetention();
    expect(bases(log, "s")).toEqual([6, 8]);
  });

  it("never deletes at or past the bridge's protected offset", async () => {
    await setup();
    await log.createTopic("p", 1, { "retention.ms": 1 });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 5; i++) await log.append("p", 0, batch(2, { timestampMs: old }));
    await log.setProtectedOffset("p", 0, 5); // offset 5 lives in the batch at 4
    await log.applyRetention();
    expect(bases(log, "p")).toEqual([4, 6, 8]);
    await log.setProtectedOffset("p", 0, 10);
    await log.applyRetention();
    expect(bases(log, "p")).toEqual([]);
    expect(log.partitionState("p", 0)).toEqual({ logStartOffset: 10, highWatermark: 10, lastStableOffset: 10 });
    expect((await log.append("p", 0, batch(1))).baseOffset).toBe(10);
  });

  it("compact-only topics are not deleted by time", async () => {
    await setup();
    await log.createTopic("c", 1, { "retention.ms": 1, "cleanup.policy": "compact" });
    await log.append("c", 0, batch(2, { timestampMs: Date.now() - 3_600_000 }));
    await log.applyRetention();
    expect(bases(log, "c")).toEqual([0]);
  });
});

describe("storage.maxBytes", () => {
  it("drop-oldest drops the oldest batches, even protected ones, and counts and reports them", async () => {
    const size = batch(2, { valueBytes: 100 }).byteLength;
    await setup({ maxBytes: size * 5, overflow: "drop-oldest" });
    await log.createTopic("a", 1);
    await log.createTopic("b", 1);
    await log.setProtectedOffset("a", 0, 0);
    for (let i = 0; i < 3; i++) await log.append("a", 0, batch(2, { valueBytes: 100, timestampMs: 1_000 + i }));
    for (let i = 0; i < 4; i++) await log.append("b", 0, batch(2, { valueBytes: 100, timestampMs: 2_000 + i }));
    // 7 batches for room of 5: the two oldest (a's first two) go, although a is protected.
    expect(bases(log, "a")).toEqual([4]);
    expect(bases(log, "b")).toEqual([0, 2, 4, 6]);
    expect(log.partitionState("a", 0).logStartOffset).toBe(4);
    expect(log.metrics()).toMatchObject({ droppedRecords: 4, droppedBytes: size * 2 });
    expect(warnings.join("\n")).toMatch(/storage.maxBytes .* dropped offsets 0..1 .* of a\/0 .*not yet replicated/);
  });

  it("reject refuses appends with STORAGE_FULL, keeps stored data, and accepts again once space is freed", async () => {
    const size = batch(2, { valueBytes: 100 }).byteLength;
    await setup({ maxBytes: size * 3, overflow: "reject" });
    await log.createTopic("f", 1, { "retention.bytes": -1 });
    for (let i = 0; i < 3; i++) await log.append("f", 0, batch(2, { valueBytes: 100 }));
    const before = log.read("f", 0, 0, 1 << 20).batches.map((b) => Buffer.from(b).toString("hex"));
    await expect(log.append("f", 0, batch(2, { valueBytes: 100 }))).rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL", kafkaErrorCode: 56 });
    await expect(log.append("f", 0, batch(2, { valueBytes: 100 }))).rejects.toThrow(/storage.maxBytes/);
    expect(log.read("f", 0, 0, 1 << 20).batches.map((b) => Buffer.from(b).toString("hex"))).toEqual(before);
    expect(log.partitionState("f", 0).highWatermark).toBe(6);
    await log.createTopic("g", 1);
    await log.deleteTopic("f");
    expect((await log.append("g", 0, batch(2, { valueBytes: 100 }))).baseOffset).toBe(0);
    expect(log.metrics().rejectedFull).toBe(2);
  });
});

describe("protected offset", () => {
  it("survives a restart, so retention still keeps unreplicated data before the bridge reconnects", async () => {
    await setup();
    await log.createTopic("keep", 1, { "retention.ms": 1 });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 4; i++) await log.append("keep", 0, batch(2, { timestampMs: old }));
    await log.setProtectedOffset("keep", 0, 0); // nothing replicated yet
    await log.close();
    log = await openLog(t.dir);
    await log.applyRetention();
    expect(bases(log, "keep")).toEqual([0, 2, 4, 6]);
    await log.setProtectedOffset("keep", 0, 2);
    await log.applyRetention();
    expect(bases(log, "keep")).toEqual([2, 4, 6]);
    await expect(log.setProtectedOffset("keep", 0, -5)).rejects.toMatchObject({ code: "LEDGE_ERR_OFFSET_OUT_OF_RANGE" });
    await log.setProtectedOffset("keep", 0, -1); // nothing protected any more
    await log.applyRetention();
    expect(bases(log, "keep")).toEqual([]);
  });

  it("keeps what the lowest of its holders protects (the bridge, MQTT sessions)", async () => {
    await setup();
    await log.createTopic("both", 1, { "retention.ms": 1 });
    const old = Date.now() - 3_600_000;
    for (let i = 0; i < 4; i++) await log.append("both", 0, batch(2, { timestampMs: old }));
    await log.setProtectedOffset("both", 0, 6); // the bridge
    await log.setProtectedOffset("both", 0, 2, "mqtt-sessions");
    await log.applyRetention();
    expect(bases(log, "both")).toEqual([2, 4, 6]);
    await log.setProtectedOffset("both", 0, -1, "mqtt-sessions"); // the sessions need nothing more
    await log.applyRetention();
    expect(bases(log, "both")).toEqual([6]);
  });

  it("drop-oldest under storage.maxBytes frees many times over without running out of LMDB readers", async () => {
    await setup({ maxBytes: 1024 * 1024, overflow: "drop-oldest", sync: "interval" });
    await log.createTopic("cap", 1);
    for (let i = 0; i < 1200; i++) await log.append("cap", 0, batch(1, { valueBytes: 1000 }));
    expect(log.partitionState("cap", 0).logStartOffset).toBeGreaterThan(0);
    expect(log.metrics().rejectedFull).toBe(0);
  });
});
