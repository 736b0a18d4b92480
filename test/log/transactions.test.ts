// Kafka transactions in the log, on real LMDB: open transactions hold back the last stable
// offset, markers (control batches in Kafka's exact format) close them, aborted ones are listed
// for read_committed readers, and all of it survives a restart without a scan.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeBatchColumns, readBatchHeader } from "../../runtime/core/index.ts";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("tx", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

const txBatch = (count: number, producerId: number, baseSequence: number, prefix: string) =>
  batch(count, { producerId, producerEpoch: 0, baseSequence, transactional: true, prefix });
const marker = (producerId: number, commit: boolean) => ({ producerId, producerEpoch: 0, commit, coordinatorEpoch: 7 });

describe("transactions in the log", () => {
  it("holds the last stable offset at an open transaction's first offset until its marker is durable", async () => {
    await log.append("tx", 0, batch(2, { prefix: "plain" }));                 // 0-1
    await log.append("tx", 0, txBatch(3, 1000, 0, "a"));                     // 2-4
    await log.append("tx", 0, batch(1, { prefix: "plain2" }));               // 5
    expect(log.partitionState("tx", 0)).toEqual({ logStartOffset: 0, highWatermark: 6, lastStableOffset: 2 });
    const early = log.readCommitted("tx", 0, 0, 1 << 20);
    expect(early.batches.map((b) => readBatchHeader(b).baseOffset)).toEqual([0]);
    expect(early.lastStableOffset).toBe(2);
    const m = await log.appendMarker("tx", 0, marker(1000, true));           // 6
    expect(m.baseOffset).toBe(6);
    expect(log.partitionState("tx", 0)).toEqual({ logStartOffset: 0, highWatermark: 7, lastStableOffset: 7 });
    const all = log.readCommitted("tx", 0, 0, 1 << 20);
    expect(all.batches.map((b) => readBatchHeader(b).baseOffset)).toEqual([0, 2, 5, 6]);
    expect(all.abortedTransactions).toEqual([]);
    // The marker is Kafka's: control + transactional attributes, key (version 0, type 1 commit),
    // value (version 0, coordinator epoch).
    const h = readBatchHeader(all.batches[3]);
    expect([h.control, h.transactional, h.producerId, h.recordCount]).toEqual([true, true, 1000, 1]);
    const stored = all.batches[3];
    const keyAt = 61 + 1 + 1 + 1 + 1 + 1; // length, attributes, timestamp delta, offset delta, key length (1-byte varints)
    expect([...stored.subarray(keyAt, keyAt + 4)]).toEqual([0, 0, 0, 1]);
    expect([...stored.subarray(keyAt + 5, keyAt + 11)]).toEqual([0, 0, 0, 0, 0, 7]);
  });

  it("lists an aborted transaction for readers of its range, and not for readers past it", async () => {
    await log.append("tx", 0, txBatch(2, 2000, 0, "x"));                     // 0-1
    await log.append("tx", 0, txBatch(2, 3000, 0, "y"));                     // 2-3
    await log.appendMarker("tx", 0, marker(2000, false));                    // 4 abort
    expect(log.partitionState("tx", 0).lastStableOffset).toBe(2);            // 3000 still open
    await log.appendMarker("tx", 0, marker(3000, true));                     // 5 commit
    const r = log.readCommitted("tx", 0, 0, 1 << 20);
    expect(r.lastStableOffset).toBe(6);
    expect(r.abortedTransactions).toEqual([{ producerId: 2000, firstOffset: 0 }]);
    expect(log.readCommitted("tx", 0, 5, 1 << 20).abortedTransactions).toEqual([]);
    // A read_uncommitted reader sees everything, markers included, and no aborted list.
    expect(log.read("tx", 0, 0, 1 << 20).batches.length).toBe(4);
  });

  it("keeps open and aborted transactions across a restart", async () => {
    await log.append("tx", 0, txBatch(2, 4000, 0, "p"));                     // 0-1
    await log.appendMarker("tx", 0, marker(4000, false));                    // 2
    await log.append("tx", 0, txBatch(1, 5000, 0, "q"));                     // 3
    await log.close();
    log = await openLog(t.dir);
    expect(log.partitionState("tx", 0)).toEqual({ logStartOffset: 0, highWatermark: 4, lastStableOffset: 3 });
    expect(log.readCommitted("tx", 0, 0, 1 << 20).abortedTransactions).toEqual([{ producerId: 4000, firstOffset: 0 }]);
    await log.appendMarker("tx", 0, marker(5000, true));
    expect(log.partitionState("tx", 0).lastStableOffset).toBe(5);
  });

  it("wakes a read_committed waiter only when the last stable offset passes its offset", async () => {
    await log.append("tx", 0, txBatch(1, 6000, 0, "w"));                     // 0
    let woke = false;
    const waiting = log.waitForStable("tx", 0, 0, 10_000).then((v) => (woke = v));
    await log.append("tx", 0, batch(1));                                     // 1: data, still unstable
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    await log.appendMarker("tx", 0, marker(6000, true));
    expect(await waiting).toBe(true);
  });

  it("refuses control batches from clients (only the log writes markers)", async () => {
    const forged = batch(1, { producerId: 1, producerEpoch: 0, baseSequence: 0, transactional: true, control: true });
    await expect(log.append("tx", 0, forged)).rejects.toThrow(/control/);
    expect(log.partitionState("tx", 0).highWatermark).toBe(0);
  });

  it("data records of a committed transaction decode as written", async () => {
    await log.append("tx", 0, txBatch(3, 7000, 0, "c"));
    await log.appendMarker("tx", 0, marker(7000, true));
    const data = log.readCommitted("tx", 0, 0, 1 << 20).batches[0];
    expect(decodeBatchColumns(data).count).toBe(3);
  });
});
