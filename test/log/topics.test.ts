// Topic lifecycle: create / delete / list / describe / grow / auto-create, with typed errors.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Log } from "../../runtime/log/index.ts";
import { logErrors } from "../../runtime/log/errors.ts";
import { batch, logDefaults, openLog, tempDir } from "./helpers.ts";
import { openGroupOffsets } from "../../runtime/groups/offsets.ts";

let t: ReturnType<typeof tempDir>;
let log: Log;

beforeEach(async () => {
  t = tempDir();
  log = await openLog(t.dir, { topics: [{ name: "from-config", partitions: 3, config: { "retention.ms": 1000 } }] });
});

afterEach(async () => {
  await log.close();
  t.remove();
});

describe("topics", () => {
  it("creates topics from config at open, with Kafka defaults filled in", () => {
    const d = log.describeTopic("from-config");
    expect(d).toMatchObject({ name: "from-config", partitions: 3 });
    expect(d?.config["retention.ms"]).toBe("1000");
    expect(d?.config["cleanup.policy"]).toBe("delete");
    expect(d?.config["max.message.bytes"]).toBe("1048588");
  });

  it("tells listeners of every creation, deletion and growth, and recreates a configured topic as configured", async () => {
    const seen: string[] = [];
    const stop = log.onTopicChange((c) => void seen.push(`${c.kind} ${c.topic}`));
    await log.createTopic("t1", 1);
    await log.addPartitions("t1", 2);
    await log.addPartitions("t1", 2); // no growth: no event
    await log.deleteTopic("from-config");
    const back = await log.ensureTopic("from-config");
    expect(back).toMatchObject({ partitions: 3 });
    expect(back.config["retention.ms"]).toBe("1000");
    stop();
    await log.deleteTopic("t1");
    expect(seen).toEqual(["created t1", "partitions-added t1", "deleted from-config", "created from-config"]);
  });

  it("create, list, describe, and refuse a duplicate", async () => {
    await log.createTopic("b.topic_1-x", 2, { "cleanup.policy": "compact" });
    expect(log.listTopics().map((x) => x.name)).toEqual(["b.topic_1-x", "from-config"]);
    await expect(log.createTopic("b.topic_1-x", 1)).rejects.toMatchObject({ code: "LEDGE_ERR_TOPIC_EXISTS", kafkaErrorCode: 36 });
  });

  it("refuses invalid names, partition counts and configs", async () => {
    for (const name of ["", ".", "..", "has space", "slash/no", "x".repeat(250), "ü"]) {
      await expect(log.createTopic(name, 1)).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_TOPIC", kafkaErrorCode: 17 });
    }
    expect((await log.createTopic("x".repeat(249), 1)).partitions).toBe(1);
    for (const n of [0, -1, 1.5, 10_001]) {
      await expect(log.createTopic("p", n)).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_PARTITIONS", kafkaErrorCode: 37 });
    }
    await expect(log.createTopic("c", 1, { "retention.ms": "soon" })).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_TOPIC_CONFIG", kafkaErrorCode: 40 });
    await expect(log.createTopic("c", 1, { "cleanup.policy": "never" })).rejects.toThrow(/cleanup.policy/);
    await expect(log.createTopic("c", 1, { "no.such.key": 1 })).rejects.toThrow(/unknown config 'no.such.key'/);
    expect(log.describeTopic("c")).toBeUndefined();
  });

  it("grows partitions, never shrinks, and keeps them across restart", async () => {
    await log.addPartitions("from-config", 5);
    await expect(log.addPartitions("from-config", 4)).rejects.toMatchObject({ code: "LEDGE_ERR_INVALID_PARTITIONS" });
    await expect(log.addPartitions("missing", 4)).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    expect((await log.append("from-config", 4, batch(2))).baseOffset).toBe(0);
    await log.close();
    log = await openLog(t.dir, { topics: [{ name: "from-config", partitions: 3, config: {} }] });
    expect(log.describeTopic("from-config")?.partitions).toBe(5);
    expect(log.partitionState("from-config", 4).highWatermark).toBe(2);
  });

  it("deletes a topic and its data; a recreated topic starts empty", async () => {
    await log.createTopic("gone", 1);
    await log.append("gone", 0, batch(5));
    const offsets = openGroupOffsets(log); // as bin/ wires it: forgets a deleted topic's offsets
    await offsets.commit("g", "gone", 0, { offset: 3, leaderEpoch: -1, metadata: "" });
    await log.deleteTopic("gone");
    expect(log.describeTopic("gone")).toBeUndefined();
    expect(() => log.read("gone", 0, 0, 100)).toThrow(expect.objectContaining({ code: "LEDGE_ERR_UNKNOWN_TOPIC" }));
    expect(offsets.fetch("g", "gone", 0)).toBeUndefined();
    await expect(log.deleteTopic("gone")).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC" });
    await log.createTopic("gone", 1);
    expect(log.partitionState("gone", 0)).toEqual({ logStartOffset: 0, highWatermark: 0, lastStableOffset: 0 });
    expect(log.read("gone", 0, 0, 100).batches).toEqual([]);
    await log.close();
    log = await openLog(t.dir);
    expect(log.partitionState("gone", 0).highWatermark).toBe(0);
  });

  it("ensureTopic auto-creates with the default partition count, or refuses when off", async () => {
    expect(await log.ensureTopic("auto")).toMatchObject({ name: "auto", partitions: 1 });
    const [a, b] = await Promise.all([log.ensureTopic("auto2"), log.ensureTopic("auto2")]);
    expect(a.name).toBe(b.name);
    await log.close();
    log = await openLog(t.dir, { log: { ...logDefaults, autoCreateTopics: false } });
    await expect(log.ensureTopic("nope")).rejects.toMatchObject({ code: "LEDGE_ERR_UNKNOWN_TOPIC", kafkaErrorCode: 3 });
    expect((await log.ensureTopic("auto")).name).toBe("auto");
  });

  it("every error code says what to do and carries a Kafka code", () => {
    for (const [code, spec] of Object.entries(logErrors)) {
      expect(code).toMatch(/^LEDGE_ERR_[A-Z_]+$/);
      expect(Number.isInteger(spec.kafkaErrorCode)).toBe(true);
      expect(spec.advice.length).toBeGreaterThan(10);
    }
  });
});
