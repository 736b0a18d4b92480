// The independent broker check for groups: the same kcat -G scenario (two balanced members
// of one group reading 400 keyed records from 4 partitions) runs against librdkafka's own mock
// cluster and against ledge, and the client-visible results must match: every record read
// exactly once, the members' partitions disjoint, the same records per partition.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { startGroupLedge, type GroupLedge } from "./groups-ledge.ts";
import { kcat, startMockCluster, type MockCluster } from "./helpers/kcat.ts";

let ledge: GroupLedge;
let mock: MockCluster;

beforeAll(async () => {
  ledge = await startGroupLedge({ initialRebalanceDelayMs: 1000 });
  mock = await startMockCluster();
});
afterAll(async () => {
  await mock?.stop();
  await ledge?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One kcat -G member; stop() ends it with SIGTERM (bounded) and returns "partition:offset:key" lines.
 * `assigned` is true once its latest rebalance gave it at least one partition (kcat's stderr). */
function member(bootstrap: string, group: string, topic: string) {
  const child = spawn("kcat", [
    "-b", bootstrap, "-G", group, topic, "-u", "-f", "%p:%o:%k\\n",
    "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=300", "-X", "auto.offset.reset=earliest",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  const records: string[] = [];
  const state = { assigned: false };
  // Whole lines only: under load a chunk can end inside a "rebalanced" line.
  let errPartial = "";
  child.stderr.on("data", (d) => {
    const lines = (errPartial + d).split("\n");
    errPartial = lines.pop()!;
    for (const line of lines) {
      const m = /rebalanced \(.*?\): (assigned|revoked): (.*)/.exec(line);
      if (m) state.assigned = m[1] === "assigned" && m[2].includes("[");
    }
  });
  let partial = "";
  child.stdout.on("data", (d) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop()!;
    records.push(...lines.filter((l) => l.trim()));
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const exited = new Promise((r) => child.once("close", r));
  return {
    records,
    state,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      clearTimeout(killer);
      return records;
    },
  };
}

async function twoMemberSplit(bootstrap: string, topic: string) {
  // Produce only once both members hold partitions: records read before a rebalance and not yet
  // committed are read again after it (at-least-once, on any broker), which is not what we compare.
  const a = member(bootstrap, `${topic}-group`, topic);
  const b = member(bootstrap, `${topic}-group`, topic);
  const joinedBy = Date.now() + 30_000;
  while (!(a.state.assigned && b.state.assigned) && Date.now() < joinedBy) await sleep(50);
  expect(a.state.assigned && b.state.assigned, "both kcat members were assigned partitions").toBe(true);
  const lines = Array.from({ length: 400 }, (_, i) => `k${i}:v${i}`).join("\n");
  const produced = await kcat(["-b", bootstrap, "-P", "-t", topic, "-K", ":"], `${lines}\n`);
  expect(produced.code, produced.stderr).toBe(0);
  const t0 = Date.now();
  while (a.records.length + b.records.length < 400 && Date.now() - t0 < 30_000) await sleep(50);
  await sleep(500);
  const [ra, rb] = await Promise.all([a.stop(), b.stop()]);
  const partitions = (rs: string[]) => new Set(rs.map((r) => r.split(":")[0]));
  const byPartition: Record<string, string[]> = {};
  for (const r of [...ra, ...rb].sort()) (byPartition[r.split(":")[0]] ??= []).push(r);
  return {
    total: ra.length + rb.length,
    distinct: new Set([...ra, ...rb]).size,
    membersWithRecords: [ra, rb].filter((rs) => rs.length > 0).length,
    sharedPartitions: [...partitions(ra)].filter((p) => partitions(rb).has(p)),
    byPartition,
  };
}

describe("kcat -G on ledge and on librdkafka's mock cluster", () => {
  it("two members split a group the same way: each record once, disjoint partitions, same records per partition", async () => {
    await ledge.log.createTopic("cmp-groups", 4); // the mock cluster auto-creates 4 partitions
    const onMock = await twoMemberSplit(mock.bootstrap, "cmp-groups");
    const onLedge = await twoMemberSplit(`127.0.0.1:${ledge.port}`, "cmp-groups");
    expect(onMock.total).toBe(400);
    expect(onMock.distinct).toBe(400);
    expect(onMock.membersWithRecords).toBe(2);
    expect(onLedge.total).toBe(onMock.total);
    expect(onLedge.distinct).toBe(onMock.distinct);
    expect(onLedge.membersWithRecords).toBe(onMock.membersWithRecords);
    expect(onLedge.sharedPartitions).toEqual(onMock.sharedPartitions);
    expect(onLedge.byPartition).toEqual(onMock.byPartition);
  }, 90_000);
});
