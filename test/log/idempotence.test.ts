// Idempotent producers in the log: duplicates, sequence gaps, fenced epochs, KIP-360.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;
const pb = (producerId: number, producerEpoch: number, baseSequence: number, count = 2) => batch(count, { producerId, producerEpoch, baseSequence });

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("i", 2);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("idempotent producers", () => {
  it("answers a re-sent batch with its original offset and appends nothing", async () => {
    const pid = await log.allocateProducerId();
    const a = await log.append("i", 0, pb(pid, 0, 0));
    const b = await log.append("i", 0, pb(pid, 0, 2));
    const again = await log.append("i", 0, pb(pid, 0, 0));
    expect(again).toMatchObject({ baseOffset: a.baseOffset, duplicate: true });
    expect((await log.append("i", 0, pb(pid, 0, 2))).baseOffset).toBe(b.baseOffset);
    expect(log.partitionState("i", 0).highWatermark).toBe(4);
    expect(log.metrics().duplicates).toBe(2);
  });

  it("a duplicate inside the same commit window is caught too", async () => {
    const [x, y] = await Promise.all([log.append("i", 0, pb(7, 0, 0)), log.append("i", 0, pb(7, 0, 0))]);
    expect(x.duplicate).toBe(false);
    expect(y).toMatchObject({ duplicate: true, baseOffset: x.baseOffset });
  });

  it("refuses a sequence gap with OUT_OF_ORDER_SEQUENCE (45)", async () => {
    await log.append("i", 0, pb(9, 0, 0));
    await expect(log.append("i", 0, pb(9, 0, 5))).rejects.toMatchObject({ code: "LEDGE_ERR_OUT_OF_ORDER_SEQUENCE", kafkaErrorCode: 45 });
    expect(log.partitionState("i", 0).highWatermark).toBe(2);
    expect((await log.append("i", 0, pb(9, 0, 2))).baseOffset).toBe(2);
  });

  it("fences an older epoch with INVALID_PRODUCER_EPOCH (47); a newer epoch must start at 0", async () => {
    await log.append("i", 0, pb(11, 3, 0));
    await expect(log.append("i", 0, pb(11, 2, 2))).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_PRODUCER_EPOCH", kafkaErrorCode: 47 });
    await expect(log.append("i", 0, pb(11, 4, 2))).rejects.toMatchObject({ code: "LEDGE_ERR_OUT_OF_ORDER_SEQUENCE" });
    expect((await log.append("i", 0, pb(11, 4, 0))).duplicate).toBe(false);
    await expect(log.append("i", 0, pb(11, 3, 2))).rejects.toMatchObject({ kafkaErrorCode: 47 });
  });

  it("accepts any first sequence from a producer without state (KIP-360), per partition", async () => {
    expect((await log.append("i", 0, pb(12, 0, 100))).baseOffset).toBe(0);
    expect((await log.append("i", 1, pb(12, 0, 40))).baseOffset).toBe(0);
    expect((await log.append("i", 0, pb(12, 0, 102))).baseOffset).toBe(2);
  });

  it("remembers the last five batches, across a restart", async () => {
    const offsets: number[] = [];
    for (let s = 0; s < 14; s += 2) offsets.push((await log.append("i", 0, pb(13, 1, s))).baseOffset);
    await log.close();
    log = await openLog(t.dir);
    expect(await log.append("i", 0, pb(13, 1, 12))).toMatchObject({ duplicate: true, baseOffset: offsets[6] });
    expect(await log.append("i", 0, pb(13, 1, 4))).toMatchObject({ duplicate: true, baseOffset: offsets[2] });
    // The sixth-newest batch is forgotten: it no longer matches, and it is out of order.
    await expect(log.append("i", 0, pb(13, 1, 2))).rejects.toMatchObject({ kafkaErrorCode: 45 });
    expect((await log.append("i", 0, pb(13, 1, 14))).baseOffset).toBe(14);
  });

  it("allocates producer ids that survive a restart without reuse", async () => {
    const a = await log.allocateProducerId();
    const b = await log.allocateProducerId();
    await log.close();
    log = await openLog(t.dir);
    const c = await log.allocateProducerId();
    expect(new Set([a, b, c]).size).toBe(3);
    expect(c).toBeGreaterThan(b);
  });
});
