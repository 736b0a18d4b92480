// Log.readInto: the same batches as Log.read, copied into the caller's buffer instead of a new
// Buffer each, so a consumer can reuse one buffer per fetch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

beforeAll(async () => {
  t = tempDir();
  log = await openLog(t.dir);
  await log.createTopic("r", 1);
  // 40 batches of 1..40 records of varying size: offsets 0..819.
  for (let i = 1; i <= 40; i++) await log.append("r", 0, batch(i, { prefix: `b${i}`, valueBytes: 10 + 37 * (i % 7) }));
});

afterAll(async () => {
  await log.close();
  t.remove();
});

describe("readInto", () => {
  it("returns byte-identical batches to read for every offset and several limits, as views into the buffer", () => {
    const into = new Uint8Array(1 << 20); // holds the whole partition: only maxBytes limits
    const hwm = log.partitionState("r", 0).highWatermark;
    for (let offset = 0; offset < hwm; offset += 7) {
      for (const maxBytes of [1, 500, 4_000, 1 << 20]) {
        const copies = log.read("r", 0, offset, maxBytes);
        const views = log.readInto("r", 0, offset, maxBytes, into);
        expect(views.batches.map(hex)).toEqual(copies.batches.map(hex));
        expect(views.totalBytes).toBe(copies.totalBytes);
        expect(views.highWatermark).toBe(hwm);
        for (const b of views.batches) expect(b.buffer).toBe(into.buffer);
      }
    }
  });

  it("stops where the buffer is full, and hands a first batch larger than the buffer back on its own", () => {
    const all = log.read("r", 0, 0, 1 << 20).batches;
    const small = new Uint8Array(all[0].byteLength + all[1].byteLength + 1);
    const r = log.readInto("r", 0, 0, 1 << 20, small);
    expect(r.batches.map(hex)).toEqual(all.slice(0, 2).map(hex));

    const tiny = new Uint8Array(8);
    const last = all[all.length - 1];
    const alone = log.readInto("r", 0, log.partitionState("r", 0).highWatermark - 1, 1 << 20, tiny);
    expect(alone.batches.map(hex)).toEqual([hex(last)]);
    expect(alone.batches[0].buffer).not.toBe(tiny.buffer);
  });

  it("reusing the buffer overwrites the previous read's batches (the caller's contract)", () => {
    const into = new Uint8Array(64 * 1024);
    const first = log.readInto("r", 0, 0, 100, into).batches[0];
    const before = hex(first);
    log.readInto("r", 0, 400, 100, into);
    expect(hex(first)).not.toBe(before);
  });

  it("answers nothing at the high watermark and refuses offsets outside the log", () => {
    const into = new Uint8Array(1024);
    const hwm = log.partitionState("r", 0).highWatermark;
    expect(log.readInto("r", 0, hwm, 1000, into).batches).toEqual([]);
    expect(() => log.readInto("r", 0, hwm + 1, 1000, into)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_OFFSET_OUT_OF_RANGE" }));
  });
});

describe("visitBatches", () => {
  const visited = (offset: number, endOffset: number, stopAfter = Infinity) => {
    const out: string[] = [];
    log.visitBatches("r", 0, offset, endOffset, (b) => (out.push(hex(b)), out.length < stopAfter));
    return out;
  };
  const all = () => log.read("r", 0, 0, 1 << 20).batches;
  const baseOf = (b: Uint8Array) => Number(Buffer.from(b).readBigInt64BE(0));

  it("visits the same bytes read returns, from the batch holding the offset to the last below the end", () => {
    const batches = all();
    const hwm = log.partitionState("r", 0).highWatermark;
    for (let offset = 0; offset < hwm; offset += 13) {
      for (const end of [offset + 1, offset + 50, hwm]) {
        const want = batches.filter((b, i) => baseOf(b) < end && (i === batches.length - 1 || baseOf(batches[i + 1]) > offset)).map(hex);
        expect(visited(offset, end)).toEqual(want);
      }
    }
  });

  it("stops when the visitor returns false, and visits nothing from the end onwards", () => {
    const hwm = log.partitionState("r", 0).highWatermark;
    expect(visited(0, hwm, 3)).toEqual(all().slice(0, 3).map(hex));
    expect(visited(hwm, hwm)).toEqual([]);
    expect(visited(100, 100)).toEqual([]);
  });
});
