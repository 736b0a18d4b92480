// The two ways into the log and the read-back check, on a real LMDB environment: a foreign
// batch is validated once (everything), a batch runtime/core encoded is taken on its proof
// (no second walk, no CRC pass), and checkStoredBatch verifies stored bytes where it counts:
// read back through a second LMDB handle, a flipped byte or a misplaced batch is named.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { open } from "lmdb";
import { join } from "node:path";
import { CRC_OFFSET, readBatchHeader, type EncodedBatch } from "../../runtime/core/index.ts";
import { checkStoredBatch, type Log } from "../../runtime/log/index.ts";
import { batchKey } from "../../runtime/log/keys.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("events", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

/** The stored (key, bytes) pairs of every batch, read through a second LMDB handle. */
function storedBatches(dir: string, write?: (db: ReturnType<ReturnType<typeof open>["openDB"]>) => void): Array<{ key: Buffer; value: Buffer }> {
  const env = open({ path: join(dir, "ledge.mdb"), maxDbs: 64 });
  try {
    const db = env.openDB({ name: "batches", keyEncoding: "binary", encoding: "binary" });
    if (write) write(db);
    return [...db.getRange({})].map(({ key, value }) => ({ key: Buffer.from(key as Buffer), value: Buffer.from(value as Buffer) }));
  } finally {
    env.close();
  }
}

describe("appendEncoded: a batch runtime/core encoded enters on its proof", () => {
  it("stores it like append does, offsets assigned", async () => {
    const a = await log.appendEncoded("events", 0, batch(3));
    const b = await log.append("events", 0, batch(2));
    expect([a.baseOffset, b.baseOffset]).toEqual([0, 3]);
    expect(log.read("events", 0, 0, 1 << 20).batches.map((x) => readBatchHeader(x).baseOffset)).toEqual([0, 3]);
  });

  it("is not walked again: a broken CRC passes appendEncoded, append refuses it, the read-back check names it", async () => {
    const broken = batch(2);
    broken[CRC_OFFSET] ^= 0xff; // a ledge bug would look like this: the brand no longer holds
    await expect(log.append("events", 0, new Uint8Array(broken))).rejects.toMatchObject({ kafkaErrorCode: 2 });
    expect(log.partitionState("events", 0).highWatermark).toBe(0);
    await log.appendEncoded("events", 0, broken);
    await log.close();
    const [stored] = storedBatches(t.dir);
    expect(() => checkStoredBatch(stored.key, stored.value, "events/0")).toThrow(expect.objectContaining({ code: "LEDGE_ERR_STORED_BATCH_CORRUPT", kafkaErrorCode: 2, message: expect.stringContaining("offset 0 of events/0") }));
    log = await openLog(t.dir);
  });

  it("takes only what runtime/core encoded (a compile-time proof)", async () => {
    const plain = new Uint8Array(batch(1));
    // @ts-expect-error a plain Uint8Array carries no proof: it must go through append()
    const call = () => log.appendEncoded("events", 0, plain);
    expect(call).toBeTypeOf("function");
    const proven: EncodedBatch = batch(1);
    expect((await log.appendEncoded("events", 0, proven)).baseOffset).toBe(0);
  });

  it("still refuses a batch over the topic's max.message.bytes", async () => {
    await log.createTopic("small", 1, { "max.message.bytes": 200 });
    await expect(log.appendEncoded("small", 0, batch(5, { valueBytes: 100 }))).rejects.toMatchObject({ code: "LEDGE_ERR_MESSAGE_TOO_LARGE", kafkaErrorCode: 10 });
  });
});

describe("checkStoredBatch (the read-back check)", () => {
  it("passes every batch of a healthy log", async () => {
    for (let i = 0; i < 5; i++) await log.append("events", 0, batch(i + 1));
    await log.close();
    const stored = storedBatches(t.dir);
    expect(stored).toHaveLength(5);
    expect(stored.map((s) => checkStoredBatch(s.key, s.value, "events/0").recordCount)).toEqual([1, 2, 3, 4, 5]);
    log = await openLog(t.dir);
  });

  it("names a byte flipped on disk (through a second LMDB handle)", async () => {
    await log.append("events", 0, batch(3));
    await log.append("events", 0, batch(3));
    await log.close();
    const stored = storedBatches(t.dir, (db) => {
      const [second] = [...db.getRange({})].slice(1);
      const flipped = Buffer.from(second.value as Buffer);
      flipped[flipped.length - 2] ^= 0x01;
      db.putSync(second.key as Buffer, flipped);
    });
    expect(() => checkStoredBatch(stored[0].key, stored[0].value, "events/0")).not.toThrow();
    expect(() => checkStoredBatch(stored[1].key, stored[1].value, "events/0")).toThrow(expect.objectContaining({ code: "LEDGE_ERR_STORED_BATCH_CORRUPT", message: expect.stringContaining("offset 3 of events/0") }));
    log = await openLog(t.dir);
  });

  it("names a batch stored under another offset's key", async () => {
    await log.append("events", 0, batch(2));
    await log.close();
    const [stored] = storedBatches(t.dir);
    const wrongKey = batchKey(stored.key.readUInt32BE(0), 0, 7);
    expect(() => checkStoredBatch(wrongKey, stored.value, "events/0")).toThrow(expect.objectContaining({ code: "LEDGE_ERR_STORED_BATCH_CORRUPT", message: expect.stringContaining("its header says base offset 0, but it is stored under offset 7") }));
    log = await openLog(t.dir);
  });
});
