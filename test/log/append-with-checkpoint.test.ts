// Log.appendWithCheckpoint: output batches of several topics and a checkpoint value in one LMDB
// transaction, all or nothing, read back after a reopen (what pipelines' exactly-once rests on).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeBatch } from "../../runtime/core/index.ts";
import type { Log } from "../../runtime/log/index.ts";
import { openLog, tempDir } from "./helpers.ts";

const utf8 = new TextEncoder();
let t: ReturnType<typeof tempDir>;
let log: Log;

const batchOf = (n: number, size = 10) => encodeBatch(Array.from({ length: n }, (_, i) => ({ key: null, value: utf8.encode(String(i).padEnd(size, "x")), timestampMs: 1 })));

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("out", 1);
  await log.createTopic("out.dlq", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("appendWithCheckpoint", () => {
  it("stores every batch and the checkpoint together; both are there after a reopen", async () => {
    await log.appendWithCheckpoint([{ topic: "out", partition: 0, batch: batchOf(3) }, { topic: "out.dlq", partition: 0, batch: batchOf(2) }, { topic: "out", partition: 0, batch: batchOf(1) }], "p1", { offsets: [[0, 42]], blob: new Uint8Array([1, 2, 3]) });
    expect(log.partitionState("out", 0).highWatermark).toBe(4);
    expect(log.partitionState("out.dlq", 0).highWatermark).toBe(2);
    await log.close();
    log = await openLog(t.dir);
    expect(log.partitionState("out", 0).highWatermark).toBe(4);
    const c = log.readCheckpoint("p1") as { offsets: number[][]; blob: Uint8Array };
    expect(c.offsets).toEqual([[0, 42]]);
    expect([...c.blob]).toEqual([1, 2, 3]);
  });

  it("with no batches, writes the checkpoint alone; removeCheckpoint forgets it", async () => {
    await log.appendWithCheckpoint([], "p2", { n: 1 });
    expect(log.readCheckpoint("p2")).toEqual({ n: 1 });
    await log.removeCheckpoint("p2");
    expect(log.readCheckpoint("p2")).toBeUndefined();
  });

  it("a group the storage cap refuses stores none of its batches and not its checkpoint", async () => {
    await log.close();
    log = await openLog(t.dir, { storage: { maxBytes: 1 << 20, overflow: "reject" } });
    await log.appendWithCheckpoint([{ topic: "out", partition: 0, batch: batchOf(1) }], "p3", { step: 1 });
    const big = batchOf(600, 1000);
    await expect(log.appendWithCheckpoint([{ topic: "out", partition: 0, batch: batchOf(1) }, { topic: "out.dlq", partition: 0, batch: big }, { topic: "out.dlq", partition: 0, batch: big }], "p3", { step: 2 }))
      .rejects.toMatchObject({ code: "LEDGE_ERR_STORAGE_FULL" });
    expect(log.partitionState("out", 0).highWatermark).toBe(1);
    expect(log.partitionState("out.dlq", 0).highWatermark).toBe(0);
    expect(log.readCheckpoint("p3")).toEqual({ step: 1 });
  });
});
