// Commit pipelining: the next transaction is issued while the previous one commits, with offsets
// assigned as if it will commit. These tests pin that the overlap really happens, that a
// transaction which does not commit takes every later one with it (nothing acked, nothing
// stored, offsets reused without a gap), and that the log recovers on its own.
import { open } from "lmdb";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { Metrics } from "../../runtime/metrics/index.ts";
import { batch, openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let metrics: Metrics;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  metrics = new Metrics();
  log = await openLog(t.dir, { metrics, storage: { commitInflightCountMax: 2 } });
  await log.createTopic("p", 1);
});

afterEach(async () => {
  await log.close();
  t.remove();
});

const pipelined = () => metrics.counter("ledge_log_commits_pipelined_total", "").value;
const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** Appends `first`, then `second` once first's transaction is issued but cannot have committed. */
async function appendWhileCommitting(first: Uint8Array, second: Uint8Array) {
  const a = log.append("p", 0, first);
  // A few microtasks: the commit window closes and first's transaction is issued; LMDB reports
  // a commit only in a later event-loop turn, so it is still in flight when second arrives.
  for (let i = 0; i < 10; i++) await Promise.resolve();
  const b = log.append("p", 0, second);
  return Promise.allSettled([a, b]);
}

describe("commit pipelining", () => {
  it("issues the next transaction while one commits, and both land in order", async () => {
    const before = pipelined();
    const [a, b] = await appendWhileCommitting(batch(3, { prefix: "A" }), batch(2, { prefix: "B" }));
    expect(a).toMatchObject({ status: "fulfilled", value: { baseOffset: 0 } });
    expect(b).toMatchObject({ status: "fulfilled", value: { baseOffset: 3 } });
    expect(pipelined()).toBe(before + 1);
    const stored = log.read("p", 0, 0, 1 << 20).batches.map(text);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toContain("A-2");
    expect(stored[1]).toContain("B-1");
  });

  it("by default (storage.commitInflightCountMax 1) waits for the running commit and issues one transaction after it", async () => {
    await log.close();
    log = await openLog(t.dir, { metrics });
    const before = pipelined();
    const [a, b] = await appendWhileCommitting(batch(3, { prefix: "A" }), batch(2, { prefix: "B" }));
    expect(a).toMatchObject({ status: "fulfilled", value: { baseOffset: 0 } });
    expect(b).toMatchObject({ status: "fulfilled", value: { baseOffset: 3 } });
    expect(pipelined()).toBe(before);
    expect(log.read("p", 0, 0, 1 << 20).batches.map(text)).toHaveLength(2);
  });

  it("keeps appending across restarts that change storage.commitInflightCountMax", async () => {
    for (const [i, commitInflightCountMax] of [2, 1, 2, 1].entries()) {
      await log.close();
      log = await openLog(t.dir, { metrics, storage: { commitInflightCountMax } });
      const [a, b] = await appendWhileCommitting(batch(2, { prefix: `a${i}` }), batch(1, { prefix: `b${i}` }));
      expect(a).toMatchObject({ status: "fulfilled", value: { baseOffset: 3 * i } });
      expect(b).toMatchObject({ status: "fulfilled", value: { baseOffset: 3 * i + 2 } });
    }
    expect(log.read("p", 0, 0, 1 << 20).batches).toHaveLength(8);
  });

  it("undoes every later transaction when one does not commit, then continues without a gap", async () => {
    await log.append("p", 0, batch(4, { prefix: "kept" })); // offsets 0..3
    // Make LMDB refuse the next transaction: move the commit-sequence entry it is conditional
    // on, as a failed commit would leave it. (A real ENOSPC goes through the same path.)
    const env = open({ path: join(t.dir, "ledge.mdb") });
    const commits = env.openDB<Buffer, string>({ name: "commits", encoding: "binary", useVersions: true });
    await commits.put("seq", Buffer.alloc(0), 1_000);
    await env.close();

    const [a, b] = await appendWhileCommitting(batch(3, { prefix: "lostA" }), batch(2, { prefix: "lostB" }));
    expect(a).toMatchObject({ status: "rejected", reason: { code: "LEDGE_ERR_STORAGE" } });
    expect(b).toMatchObject({ status: "rejected", reason: { code: "LEDGE_ERR_STORAGE" } });
    expect((b as PromiseRejectedResult).reason.message).toMatch(/earlier log commit failed.*resend/);
    expect(log.partitionState("p", 0)).toEqual({ logStartOffset: 0, highWatermark: 4, lastStableOffset: 4 });

    // The log resynchronises with what LMDB holds and takes the offsets the lost ones had.
    expect((await log.append("p", 0, batch(2, { prefix: "next" }))).baseOffset).toBe(4);
    const [c, d] = await appendWhileCommitting(batch(1, { prefix: "C" }), batch(1, { prefix: "D" }));
    expect(c).toMatchObject({ status: "fulfilled", value: { baseOffset: 6 } });
    expect(d).toMatchObject({ status: "fulfilled", value: { baseOffset: 7 } });

    await log.close();
    log = await openLog(t.dir, { metrics, storage: { commitInflightCountMax: 2 } });
    const stored = log.read("p", 0, 0, 1 << 20).batches.map(text);
    expect(stored.map((s) => /(kept|next|lost[AB]|C|D)-0/.exec(s)?.[1])).toEqual(["kept", "next", "C", "D"]);
    expect(log.partitionState("p", 0)).toEqual({ logStartOffset: 0, highWatermark: 8, lastStableOffset: 8 });
  });
});
