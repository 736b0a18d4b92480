// kcat (librdkafka 2.0.2) balanced consumers (-G) against a real ledge: two members share a
// group, each record is consumed by exactly one of them; when one leaves, the other takes over
// its partitions from the committed offsets. Every process is bounded by a kill timer.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { startGroupLedge, type GroupLedge } from "./groups-ledge.ts";
import { kcat } from "./helpers/kcat.ts";

let ledge: GroupLedge;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Sessions down to 1 s so the crash case below expires in seconds, not Kafka's 6 s minimum.
  ledge = await startGroupLedge({ initialRebalanceDelayMs: 300, sessionTimeoutMsMin: 1000 });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await ledge.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await sleep(50);
  }
}

interface Member {
  child: ChildProcess;
  /** "partition:offset" of every record this member printed. */
  records: string[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** A kcat -G member printing "partition:offset" per record; killed after 60 s at the latest. */
function member(group: string, topic: string, extra: string[] = [], sessionTimeoutMs = 6000): Member {
  const child = spawn("kcat", [
    "-b", `127.0.0.1:${ledge.port}`, "-G", group, topic, "-q", "-u", "-f", "%p:%o\\n", ...extra,
    "-X", `session.timeout.ms=${sessionTimeoutMs}`, "-X", "heartbeat.interval.ms=300", "-X", "auto.offset.reset=earliest",
    "-X", "auto.commit.interval.ms=200", "-X", "socket.timeout.ms=5000", "-X", "topic.metadata.refresh.interval.ms=1000",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const records: string[] = [];
  let partial = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    const lines = (partial + d).split("\n");
    partial = lines.pop()!;
    for (const l of lines) if (l.trim()) records.push(l.trim());
  });
  child.stderr!.on("data", (d) => (err += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const exited = new Promise<number | null>((r) => child.once("close", (code) => (clearTimeout(killer), r(code))));
  return { child, records, stderr: () => err, exited };
}

function stableMembers(group: string): number {
  const d = ledge.groups.describeGroups([group])[0];
  return d.state === "Stable" ? d.members.length : -1;
}

/** True once the group's committed offset of every partition of `topic` is its log end:
 * everything was consumed and the consumer's auto-commit has stored it. */
function committedToEnd(group: string, topic: string, partitions: number): boolean {
  const all = Array.from({ length: partitions }, (_, p) => p);
  const [t] = ledge.groups.fetchOffsets(group, [{ name: topic, partitions: all }]).topics;
  return t.partitions.every((p) => p.offset === ledge.log.partitionState(topic, p.partition).highWatermark);
}

async function produce(topic: string, from: number, count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => `k${from + i}:v${from + i}`).join("\n");
  const r = await kcat(["-b", `127.0.0.1:${ledge.port}`, "-P", "-t", topic, "-K", ":", "-X", "linger.ms=5"], `${lines}\n`);
  expect(r.code, r.stderr).toBe(0);
}

describe("kcat -G", () => {
  it("two members share a group: each record is consumed by exactly one; the survivor takes over after a leave", async () => {
    const topic = "kcat-groups";
    await ledge.log.createTopic(topic, 4);
    const a = member("kc", topic);
    const b = member("kc", topic);
    await until(() => stableMembers("kc") === 2, 30_000, () => `two stable members (stderr: ${a.stderr()} ${b.stderr()})`);
    const assigned = ledge.groups.describeGroups(["kc"])[0];
    expect(assigned.protocolType).toBe("consumer");

    await produce(topic, 0, 400);
    const all = () => [...a.records, ...b.records];
    await until(() => all().length >= 400, 30_000, () => `400 records (a ${a.records.length}, b ${b.records.length})`);
    expect(a.records.length).toBeGreaterThan(0);
    expect(b.records.length).toBeGreaterThan(0);
    expect(new Set(all()).size).toBe(all().length);
    // The two members split the partitions: none consumed by both.
    const partitionsOf = (m: Member) => new Set(m.records.map((r) => r.split(":")[0]));
    const shared = [...partitionsOf(a)].filter((p) => partitionsOf(b).has(p));
    expect(shared).toEqual([]);

    // b leaves (SIGTERM: kcat commits and sends LeaveGroup); a takes over b's partitions from
    // the offsets both committed.
    await until(() => committedToEnd("kc", topic, 4), 30_000, () => "the group to commit all 400 records");
    b.child.kill("SIGTERM");
    await b.exited;
    await until(() => stableMembers("kc") === 1, 30_000, () => "the group to settle with one member");
    await produce(topic, 400, 200);
    await until(() => all().length >= 600, 30_000, () => `600 records (a ${a.records.length}, b ${b.records.length})`);
    await until(() => committedToEnd("kc", topic, 4), 30_000, () => "a to commit all 600 records");
    expect(all().length).toBe(600);
    expect(new Set(all()).size).toBe(600);
    a.child.kill("SIGTERM");
    await a.exited;
    // No members left; its committed offsets keep it listed as Empty.
    expect(ledge.groups.describeGroups(["kc"])[0]).toMatchObject({ state: "Empty", members: [] });
  }, 90_000);

  it("a member killed without leaving is evicted after its session timeout; the survivor takes its partitions, nothing is lost", async () => {
    const topic = "kcat-crash";
    await ledge.log.createTopic(topic, 4);
    const a = member("crash", topic, [], 2000);
    const b = member("crash", topic, [], 2000);
    await until(() => stableMembers("crash") === 2, 30_000, () => "two stable members");
    await produce(topic, 0, 200);
    const all = () => [...a.records, ...b.records];
    await until(() => all().length >= 200, 30_000, () => `200 records (a ${a.records.length}, b ${b.records.length})`);
    b.child.kill("SIGKILL");
    await b.exited;
    // Evicted by its own 2 s session (librdkafka sent it in JoinGroup), not by a rebalance.
    await until(() => ledge.logLines.some((l) => l.includes("group crash") && l.includes("2000 ms session timeout")), 15_000, () => "b's session to expire");
    await produce(topic, 200, 100);
    // At-least-once: a may re-read what b consumed after b's last auto-commit, but nothing is lost.
    await until(() => new Set(all()).size >= 300, 30_000, () => `300 distinct records (a ${a.records.length}, b ${b.records.length})`);
    expect(new Set(a.records).size).toBe(a.records.length);
    a.child.kill("SIGTERM");
    await a.exited;
  }, 90_000);

  it("cooperative-sticky members (two rebalances per change) still consume each record exactly once", async () => {
    const topic = "kcat-coop";
    await ledge.log.createTopic(topic, 4);
    const coop = ["-X", "partition.assignment.strategy=cooperative-sticky"];
    const a = member("coop", topic, coop);
    await until(() => stableMembers("coop") === 1, 30_000, () => `one stable member (stderr: ${a.stderr()})`);
    await produce(topic, 0, 200);
    await until(() => a.records.length >= 200, 30_000, () => `200 records for the first member (${a.records.length})`);
    await until(() => committedToEnd("coop", topic, 4), 30_000, () => "a to commit its 200 records");
    const b = member("coop", topic, coop);
    await until(() => stableMembers("coop") === 2 && ledge.groups.describeGroups(["coop"])[0].members.every((m) => m.assignment.length > 10), 30_000,
      () => `two stable members with partitions (stderr: ${b.stderr()})`);
    expect(ledge.groups.describeGroups(["coop"])[0].protocolName).toBe("cooperative-sticky");
    // Generation 1 (a alone), 2 (b joins; a keeps what it owns), 3 (the revoked partitions move).
    await until(() => ledge.logLines.filter((l) => l.includes("group coop generation")).length >= 3, 10_000, () => "the second cooperative rebalance");
    await produce(topic, 200, 200);
    const all = () => [...a.records, ...b.records];
    await until(() => all().length >= 400, 30_000, () => `400 records (a ${a.records.length}, b ${b.records.length})`);
    await until(() => committedToEnd("coop", topic, 4), 30_000, () => "both members to commit all 400 records");
    expect(b.records.length).toBeGreaterThan(0);
    expect(all().length).toBe(400);
    expect(new Set(all()).size).toBe(400);
    a.child.kill("SIGTERM");
    b.child.kill("SIGTERM");
    await Promise.all([a.exited, b.exited]);
  }, 90_000);
});
