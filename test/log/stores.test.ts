// Durable KV stores and consumer-group committed offsets in the log's environment.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OFFSET_METADATA_BYTES_CEILING } from "../../runtime/config/schema.ts";
import type { Log } from "../../runtime/log/index.ts";
import { openGroupOffsets, type GroupOffsets } from "../../runtime/groups/offsets.ts";
import { openLog, tempDir } from "./helpers.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir);
});

/** The offsets as bin/ wires them: in the log's store (one per opened log). */
const opened = new WeakMap<Log, GroupOffsets>();
function offsets(): GroupOffsets {
  let o = opened.get(log);
  if (!o) opened.set(log, (o = openGroupOffsets(log)));
  return o;
}

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("openStore", () => {
  it("puts, gets, removes and ranges by prefix, durably across restart", async () => {
    const s = log.openStore<{ qos: number; topics: string[] }>("mqtt-sessions");
    await s.put("client/a", { qos: 1, topics: ["x/#"] });
    await s.put("client/b", { qos: 2, topics: [] });
    await s.put("other", { qos: 0, topics: [] });
    await s.remove("client/b");
    expect([...s.range("client/")].map((e) => e.key)).toEqual(["client/a"]);
    await log.close();
    log = await openLog(t.dir);
    const again = log.openStore<{ qos: number; topics: string[] }>("mqtt-sessions");
    expect(again.get("client/a")).toEqual({ qos: 1, topics: ["x/#"] });
    expect(again.get("client/b")).toBeUndefined();
    expect(log.openStore("another").get("client/a")).toBeUndefined();
  });
});

describe("group offsets", () => {
  it("commits, fetches, lists and deletes per group, durably", async () => {
    await offsets().commit("g1", "t", 0, { offset: 10, leaderEpoch: 3, metadata: "m" });
    await offsets().commitMany("g1", [
      { topic: "t", partition: 1, offset: 20, leaderEpoch: -1, metadata: null },
      { topic: "u", partition: 0, offset: 5, leaderEpoch: -1, metadata: "" },
    ]);
    await offsets().commit("g1/x", "t", 0, { offset: 99, leaderEpoch: -1, metadata: "" });
    await log.close();
    log = await openLog(t.dir);
    expect(offsets().fetch("g1", "t", 0)).toMatchObject({ offset: 10, leaderEpoch: 3, metadata: "m" });
    expect(offsets().list("g1").map((o) => `${o.topic}/${o.partition}=${o.offset}`)).toEqual(["t/0=10", "t/1=20", "u/0=5"]);
    expect(offsets().groups().sort()).toEqual(["g1", "g1/x"]);
    await offsets().deleteGroup("g1");
    expect(offsets().list("g1")).toEqual([]);
    expect(offsets().fetch("g1/x", "t", 0)?.offset).toBe(99);
  });

  it("stores metadata up to the largest groups.offsetMetadataBytesMax config accepts, and refuses more", async () => {
    await offsets().commit("g", "t", 0, { offset: 1, leaderEpoch: -1, metadata: "x".repeat(6000) });
    expect(offsets().fetch("g", "t", 0)?.metadata).toHaveLength(6000);
    await expect(offsets().commit("g", "t", 0, { offset: 1, leaderEpoch: -1, metadata: "x".repeat(OFFSET_METADATA_BYTES_CEILING + 1) })).rejects.toMatchObject({ code: "LEDGE_ERR_OFFSET_METADATA_TOO_LARGE", kafkaErrorCode: 12 });
    expect(offsets().fetch("g", "t", 0)?.metadata).toHaveLength(6000);
  });
});
