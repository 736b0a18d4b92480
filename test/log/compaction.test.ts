// cleanup.policy=compact: newest record per key survives at its original offset, tombstones go
// after delete.retention.ms, rewritten batches are valid v2 batches (CRC checked on read-back).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Compression, decodeBatch, encodeBatch, validateBatch, type EncodedBatch } from "../../runtime/core/index.ts";
import type { Log } from "../../runtime/log/index.ts";
import { openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;
const enc = new TextEncoder();
const dec = new TextDecoder();

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

function kv(pairs: Array<[string | null, string | null]>, timestampMs: number, compression: number = Compression.none): Uint8Array {
  return encodeBatch(pairs.map(([k, v]) => ({ key: k === null ? null : enc.encode(k), value: v === null ? null : enc.encode(v), timestampMs })), { compression: compression as 0 });
}

function contents(topic: string): Array<{ base: number; records: string[] }> {
  const { logStartOffset } = log.partitionState(topic, 0);
  return log.read(topic, 0, logStartOffset, 1 << 24).batches.map((b) => {
    const h = validateBatch(b);
    return {
      base: h.baseOffset,
      records: decodeBatch(b).records.map((r) => `${r.offset}:${r.key ? dec.decode(r.key) : "-"}=${r.value ? dec.decode(r.value) : "null"}`),
    };
  });
}

async function fill(topic: string, compression: number = Compression.none): Promise<void> {
  const old = Date.now() - 3_600_000;
  await log.append(topic, 0, kv([["a", "1"], ["b", "1"], ["c", "1"]], old, compression)); // 0..2
  await log.append(topic, 0, kv([["a", "2"], ["b", null]], old, compression)); //            3..4
  await log.append(topic, 0, kv([["d", "1"], ["a", "3"], ["e", "1"]], Date.now(), compression)); // 5..7
}

describe("compaction", () => {
  it("keeps the newest value per key at its offset and keeps fresh tombstones", async () => {
    await log.createTopic("k", 1, { "cleanup.policy": "compact" });
    await fill("k");
    await log.applyRetention();
    expect(contents("k")).toEqual([
      { base: 2, records: ["2:c=1"] },
      { base: 4, records: ["4:b=null"] },
      { base: 5, records: ["5:d=1", "6:a=3", "7:e=1"] },
    ]);
    expect(log.partitionState("k", 0)).toEqual({ logStartOffset: 0, highWatermark: 8, lastStableOffset: 8 });
    expect(log.read("k", 0, 0, 1).batches.length).toBe(1); // reading from log start finds the first survivor
    // Offset 3 was compacted away: a reader there gets the next batch, not the one before the
    // gap (which ends at 2, so a consumer asking at 3 would never move on).
    expect(validateBatch(log.read("k", 0, 3, 1).batches[0]).baseOffset).toBe(4);
    expect(validateBatch(log.readCommitted("k", 0, 3, 1).batches[0]).baseOffset).toBe(4);
    expect(log.metrics().compactedRecords).toBe(3);
    expect((await log.append("k", 0, kv([["e", "2"]], Date.now()))).baseOffset).toBe(8);
  });

  it("refuses records without a key, as Kafka does (INVALID_RECORD, 87), whichever way they come in", async () => {
    await log.createTopic("k", 1, { "cleanup.policy": "compact" });
    await log.createTopic("kd", 1, { "cleanup.policy": "compact,delete" });
    await log.createTopic("plain", 1);
    const keyless = () => kv([["a", "1"], [null, "nokey"]], Date.now()) as EncodedBatch;
    for (const topic of ["k", "kd"]) {
      await expect(log.append(topic, 0, keyless())).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_RECORD", kafkaErrorCode: 87, statusName: "ERR_RECORD_KEY_MISSING" });
      await expect(log.appendEncoded(topic, 0, keyless())).rejects.toMatchObject({ kafkaErrorCode: 87, message: expect.stringContaining(`${topic}/0`) });
      expect(log.partitionState(topic, 0).highWatermark).toBe(0);
      expect((await log.append(topic, 0, kv([["a", "1"], ["", "empty key is a key"]], Date.now()))).baseOffset).toBe(0);
    }
    expect((await log.append("plain", 0, keyless())).baseOffset).toBe(0);
    expect((await log.appendEncoded("plain", 0, keyless())).baseOffset).toBe(2);
  });

  it("drops tombstones older than delete.retention.ms, and works on compressed batches", async () => {
    await log.createTopic("z", 1, { "cleanup.policy": "compact", "delete.retention.ms": 1000 });
    await fill("z", Compression.gzip);
    await log.applyRetention();
    expect(contents("z")).toEqual([
      { base: 2, records: ["2:c=1"] },
      { base: 5, records: ["5:d=1", "6:a=3", "7:e=1"] },
    ]);
    await log.close();
    log = await openLog(t.dir);
    expect(contents("z").map((b) => b.base)).toEqual([2, 5]);
  });

  it("compact,delete topics get both retention and compaction", async () => {
    await log.createTopic("cd", 1, { "cleanup.policy": "compact,delete", "retention.ms": 60_000 });
    await fill("cd");
    await log.applyRetention();
    expect(contents("cd")).toEqual([{ base: 5, records: ["5:d=1", "6:a=3", "7:e=1"] }]);
    expect(log.partitionState("cd", 0).logStartOffset).toBe(5);
  });
});
