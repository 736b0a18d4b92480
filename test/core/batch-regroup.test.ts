// regroupBatch: a stored batch's records (or several consecutive batches') into pieces by group (a key's upstream partition) and
// under a byte bound (an upstream max.message.bytes). Pieces are decoded by kafkajs (an
// independent decoder); together they hold every record once, each group's in the original order.
import { beforeAll, describe, expect, it } from "vitest";
import { Compression, encodeBatch, regroupBatch, validateBatch } from "../../runtime/core/index.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import { kafkajsDecodeBatch, registerKafkajsCodecs } from "../reference/kafkajs-batch.ts";
import { randomRecords, utf8 } from "./batch-fixtures.ts";

beforeAll(() => registerKafkajsCodecs());

describe("regroupBatch", () => {
  it("by key into 5 partitions (Kafka's murmur2): every record once, in order per partition, headers and timestamps kept", async () => {
    const records = randomRecords(400, 60);
    records[7] = { ...records[7], key: null };
    const batch = encodeBatch(records, { compression: Compression.lz4 });
    const pieces = regroupBatch(batch, { groupOf: (key) => (key ? partitionForKey(key, 5) : 2), pieceBytesMax: 1 << 20 });
    const seen: string[] = [];
    for (const piece of pieces) {
      const h = validateBatch(piece.batch);
      expect(h.compression).toBe(Compression.lz4);
      expect(h.recordCount).toBe(piece.records);
      const theirs = await kafkajsDecodeBatch(piece.batch);
      let last = -1;
      for (const r of theirs.records) {
        const value = r.value!.toString();
        const t = Number(/"t":(\d+)/.exec(value)![1]);
        expect(t, "order within a partition").toBeGreaterThan(last);
        last = t;
        if (r.key) expect(partitionForKey(r.key, 5)).toBe(piece.group);
        expect(Number(r.timestamp)).toBe(records[t].timestampMs);
        expect(Object.keys(r.headers)).toEqual((records[t].headers ?? []).map((x) => x.key));
        seen.push(value);
      }
    }
    expect(seen.sort()).toEqual(records.map((r) => new TextDecoder().decode(r.value!)).sort());
    expect(new Set(pieces.map((p) => p.group)).size).toBe(5);
  });

  it("under a byte bound: pieces stay below it, a record larger than the bound goes alone", async () => {
    const records = randomRecords(300, 200);
    records[150] = { ...records[150], value: utf8.encode("x".repeat(20_000)) };
    const pieces = regroupBatch(encodeBatch(records), { pieceBytesMax: 8_000 });
    expect(pieces.length).toBeGreaterThan(8);
    for (const p of pieces) if (p.records > 1) expect(p.batch.length).toBeLessThanOrEqual(8_000);
    expect(pieces.some((p) => p.records === 1 && p.batch.length > 20_000)).toBe(true);
    const all = (await Promise.all(pieces.map((p) => kafkajsDecodeBatch(p.batch)))).flatMap((b) => b.records.map((r) => r.value!.length));
    expect(all).toEqual(records.map((r) => r.value!.length));
  });

  it("several consecutive batches into one piece: every record once, in order, timestamps and headers kept", async () => {
    const records = randomRecords(90, 40);
    const parts = [records.slice(0, 30), records.slice(30, 31), records.slice(31)];
    const batches = parts.map((p, i) => encodeBatch(p, { compression: i === 1 ? Compression.lz4 : Compression.none }));
    const pieces = regroupBatch(batches, { pieceBytesMax: 1 << 20 });
    expect(pieces.map((p) => p.records)).toEqual([90]);
    expect(validateBatch(pieces[0].batch).compression).toBe(Compression.none); // the first batch's codec
    const theirs = await kafkajsDecodeBatch(pieces[0].batch);
    expect(theirs.records.map((r) => r.value!.toString())).toEqual(records.map((r) => new TextDecoder().decode(r.value!)));
    expect(theirs.records.map((r) => Number(r.timestamp))).toEqual(records.map((r) => r.timestampMs));
    expect(theirs.records.map((r) => Object.keys(r.headers))).toEqual(records.map((r) => (r.headers ?? []).map((x) => x.key)));
    expect(theirs.records.map((r) => Number(r.offset))).toEqual(records.map((_, i) => i));
  });

  it("a damaged batch is refused with a typed error", () => {
    const batch = encodeBatch(randomRecords(20, 50));
    batch[batch.length - 3] ^= 0xff;
    expect(() => regroupBatch(batch, { pieceBytesMax: 1000 })).toThrow(/CRC|crc/);
  });
});
