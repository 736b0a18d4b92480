// The classic group coordinator's state machine (runtime/groups/coordinator.ts), driven
// directly with real timers kept small: joins, held answers, leader-only member lists, parked
// SyncGroups, session expiry, rebalance timeouts, the protocol vote, bounds and every error
// code the brief names (22, 23, 24, 25, 26, 27, 79, 81).
import { describe, it, expect, afterEach } from "vitest";
import { ErrorCode } from "../../runtime/kafka/errors.ts";
import { GroupCoordinator } from "../../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings, type GroupCoordinatorSettings } from "../../runtime/groups/coordinator-settings.ts";
import { type CommittedOffset, type GroupOffsetStore, type JoinGroupInput } from "../../runtime/groups/coordinator-types.ts";
import { createLogger } from "../../runtime/logger.ts";
import { Metrics } from "../../runtime/metrics/index.ts";

/** A Map standing in for the log's durable store (its durability is runtime/log's to test). */
class MapOffsetStore implements GroupOffsetStore {
  readonly map = new Map<string, CommittedOffset>();
  async commit(group: string, topic: string, partition: number, value: CommittedOffset) {
    this.map.set(`${group}\0${topic}\0${partition}`, value);
  }
  fetch(group: string, topic: string, partition: number) {
    return this.map.get(`${group}\0${topic}\0${partition}`);
  }
  *list(group: string) {
    for (const key of this.map.keys()) {
      const [g, topic, p] = key.split("\0");
      if (g === group) yield { topic, partition: Number(p) };
    }
  }
}

const logLines: string[] = [];
const coordinators: GroupCoordinator[] = [];
afterEach(() => {
  for (const c of coordinators.splice(0)) c.close();
});

function make(overrides: Partial<GroupCoordinatorSettings> = {}) {
  const store = new MapOffsetStore();
  const settings = groupCoordinatorSettings({ sessionTimeoutMsMin: 100, initialRebalanceDelayMs: 30, ...overrides });
  const c = new GroupCoordinator(settings, store, createLogger("groups", (l) => void logLines.push(l)));
  coordinators.push(c);
  return { c, store };
}

const bytes = (s: string) => new TextEncoder().encode(s);

function join(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: "g", memberId: "", groupInstanceId: null, sessionTimeoutMs: 1000, rebalanceTimeoutMs: 1000,
    protocolType: "consumer", protocols: [{ name: "range", metadata: bytes("m") }],
    requireKnownMemberId: false, clientId: "client", clientHost: "/127.0.0.1", ...overrides,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Joins with a v4+ style first request (MEMBER_ID_REQUIRED), then rejoins with the id. */
async function joinV4(c: GroupCoordinator, overrides: Partial<JoinGroupInput> = {}) {
  const first = await c.joinGroup(join({ requireKnownMemberId: true, ...overrides }));
  expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
  expect(first.memberId).toMatch(/^client-/);
  return c.joinGroup(join({ requireKnownMemberId: true, ...overrides, memberId: first.memberId }));
}

/** Brings a group of n members to Stable; the leader assigns "a:<memberId>" to each. */
async function stableGroup(c: GroupCoordinator, n: number, overrides: Partial<JoinGroupInput> = {}) {
  const joined = await Promise.all(Array.from({ length: n }, () => c.joinGroup(join(overrides))));
  const leader = joined.find((j) => j.memberId === j.leader)!;
  const syncs = joined.map((j) => c.syncGroup({
    groupId: "g", generationId: j.generationId, memberId: j.memberId, groupInstanceId: null,
    assignments: j === leader ? leader.members.map((m) => ({ memberId: m.memberId, assignment: bytes(`a:${m.memberId}`) })) : [],
  }));
  const synced = await Promise.all(syncs);
  return { joined, leader, synced };
}

describe("JoinGroup and SyncGroup", () => {
  it("a first member waits the initial delay, then leads generation 1 alone", async () => {
    const { c } = make({ initialRebalanceDelayMs: 80 });
    const t0 = Date.now();
    const j = await c.joinGroup(join());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    expect(j.errorCode).toBe(0);
    expect(j.generationId).toBe(1);
    expect(j.leader).toBe(j.memberId);
    expect(j.protocolName).toBe("range");
    expect(j.members).toEqual([{ memberId: j.memberId, groupInstanceId: null, metadata: bytes("m") }]);
  });

  it("v4+ first joins get MEMBER_ID_REQUIRED (79) with an id, and the rejoin with it is admitted", async () => {
    const { c } = make();
    const j = await joinV4(c);
    expect(j.errorCode).toBe(0);
    expect(j.generationId).toBe(1);
  });

  it("only the leader's answer lists members; followers are parked in SyncGroup until the leader's assignments arrive", async () => {
    const { c } = make();
    const [a, b] = await Promise.all([c.joinGroup(join()), c.joinGroup(join())]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(follower.members).toEqual([]);
    let followerSynced = false;
    const fSync = c.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, groupInstanceId: null, assignments: [] })
      .then((r) => ((followerSynced = true), r));
    await sleep(30);
    expect(followerSynced).toBe(false);
    expect(c.describeGroups(["g"])[0].state).toBe("CompletingRebalance");
    const lSync = await c.syncGroup({
      groupId: "g", generationId: 1, memberId: leader.memberId, groupInstanceId: null,
      assignments: [{ memberId: follower.memberId, assignment: bytes("for-follower") }],
    });
    expect((await fSync).assignment).toEqual(bytes("for-follower"));
    // The leader left itself out: it gets a serialized empty "consumer" assignment, not zero bytes.
    expect(lSync.errorCode).toBe(0);
    expect([...lSync.assignment]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(c.describeGroups(["g"])[0].state).toBe("Stable");
  });

  it("a new member rebalances a Stable group: heartbeats answer 27, everyone rejoins into generation 2", async () => {
    const { c } = make();
    const { joined } = await stableGroup(c, 2);
    const third = c.joinGroup(join());
    await sleep(10);
    for (const j of joined) expect(c.heartbeat({ groupId: "g", generationId: 1, memberId: j.memberId })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const rejoined = await Promise.all([...joined.map((j) => c.joinGroup(join({ memberId: j.memberId }))), third]);
    expect(rejoined.map((r) => r.generationId)).toEqual([2, 2, 2]);
    expect(rejoined.filter((r) => r.members.length === 3)).toHaveLength(1);
    // Generation 1 is now stale.
    expect(c.heartbeat({ groupId: "g", generationId: 1, memberId: joined[0].memberId })).toBe(ErrorCode.ILLEGAL_GENERATION);
    const stale = await c.syncGroup({ groupId: "g", generationId: 1, memberId: joined[0].memberId, groupInstanceId: null, assignments: [] });
    expect(stale.errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it("the protocol is chosen by vote among those every member supports", async () => {
    const { c } = make();
    const p = (...names: string[]) => names.map((name) => ({ name, metadata: bytes(name) }));
    const answers = await Promise.all([
      c.joinGroup(join({ protocols: p("range", "roundrobin") })),
      c.joinGroup(join({ protocols: p("roundrobin", "range", "sticky") })),
      c.joinGroup(join({ protocols: p("roundrobin", "range") })),
    ]);
    for (const a of answers) expect(a.protocolName).toBe("roundrobin");
    const leader = answers.find((a) => a.leader === a.memberId)!;
    // The leader sees each member's metadata for the chosen protocol.
    for (const m of leader.members) expect(m.metadata).toEqual(bytes("roundrobin"));
  });

  it("a member that does not rejoin within the rebalance timeout is dropped; the rest form the next generation", async () => {
    const { c } = make();
    const { joined } = await stableGroup(c, 2, { rebalanceTimeoutMs: 200, sessionTimeoutMs: 5000 });
    const t0 = Date.now();
    const again = await c.joinGroup(join({ memberId: joined[0].memberId, rebalanceTimeoutMs: 200, sessionTimeoutMs: 5000 }));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    expect(again.generationId).toBe(2);
    expect(again.leader).toBe(joined[0].memberId);
    expect(again.members.map((m) => m.memberId)).toEqual([joined[0].memberId]);
    expect(c.heartbeat({ groupId: "g", generationId: 2, memberId: joined[1].memberId })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("session expiry evicts a silent member and rebalances the rest", async () => {
    const { c } = make();
    // The live member's session is long, so a stalled event loop on a busy machine cannot expire it.
    const joined = await Promise.all([c.joinGroup(join({ sessionTimeoutMs: 5000 })), c.joinGroup(join({ sessionTimeoutMs: 150 }))]);
    await Promise.all(joined.map((j) => c.syncGroup({ groupId: "g", generationId: 1, memberId: j.memberId, groupInstanceId: null, assignments: [] })));
    const [alive, silent] = joined;
    let code = 0;
    for (let i = 0; i < 50 && code === 0; i++) {
      await sleep(40);
      code = c.heartbeat({ groupId: "g", generationId: 1, memberId: alive.memberId });
    }
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await c.joinGroup(join({ memberId: alive.memberId, sessionTimeoutMs: 5000 }));
    expect(again.generationId).toBe(2);
    expect(again.members.map((m) => m.memberId)).toEqual([alive.memberId]);
    expect(c.heartbeat({ groupId: "g", generationId: 2, memberId: silent.memberId })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(logLines.some((l) => l.includes(silent.memberId) && l.includes("150 ms session timeout"))).toBe(true);
  });

  it("a leader that never sends SyncGroup is dropped after the rebalance timeout; parked followers get 27", async () => {
    const { c } = make();
    const joined = await Promise.all([c.joinGroup(join({ rebalanceTimeoutMs: 150 })), c.joinGroup(join({ rebalanceTimeoutMs: 150 }))]);
    const follower = joined.find((j) => j.leader !== j.memberId)!;
    const leaderId = follower.leader;
    const parked = await c.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, groupInstanceId: null, assignments: [] });
    expect(parked.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await c.joinGroup(join({ memberId: follower.memberId, rebalanceTimeoutMs: 150 }));
    expect(again.generationId).toBe(2);
    expect(again.leader).toBe(follower.memberId);
    expect(c.heartbeat({ groupId: "g", generationId: 2, memberId: leaderId })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("a Stable follower rejoining with unchanged metadata gets the current generation back", async () => {
    const { c } = make();
    const { joined, leader } = await stableGroup(c, 2);
    const follower = joined.find((j) => j !== leader)!;
    const again = await c.joinGroup(join({ memberId: follower.memberId }));
    expect(again.generationId).toBe(1);
    expect(c.describeGroups(["g"])[0].state).toBe("Stable");
  });
});

describe("LeaveGroup, DescribeGroups, ListGroups", () => {
  it("leaving members rebalance the rest; the last to leave empties the group, which is then forgotten (Dead)", async () => {
    const { c } = make();
    const { joined } = await stableGroup(c, 2);
    expect(c.listGroups()).toEqual([{ groupId: "g", protocolType: "consumer", state: "Stable" }]);
    const d = c.describeGroups(["g"])[0];
    expect(d.members.map((m) => m.memberId).sort()).toEqual(joined.map((j) => j.memberId).sort());
    expect(d.members.every((m) => new TextDecoder().decode(m.assignment) === `a:${m.memberId}`)).toBe(true);
    const out = c.leaveGroup("g", [{ memberId: joined[0].memberId, groupInstanceId: null }, { memberId: "nobody", groupInstanceId: null }]);
    expect(out.members.map((m) => m.errorCode)).toEqual([0, ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(c.heartbeat({ groupId: "g", generationId: 1, memberId: joined[1].memberId })).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const again = await c.joinGroup(join({ memberId: joined[1].memberId }));
    expect(again.generationId).toBe(2);
    expect(c.leaveGroup("g", [{ memberId: joined[1].memberId, groupInstanceId: null }]).members[0].errorCode).toBe(0);
    expect(c.describeGroups(["g"])[0].state).toBe("Dead");
    expect(c.listGroups()).toEqual([]);
  });

  it("a member leaving while others are held in JoinGroup lets the join complete at once", async () => {
    const { c } = make();
    const { joined } = await stableGroup(c, 2, { rebalanceTimeoutMs: 5000 });
    const t0 = Date.now();
    const held = c.joinGroup(join({ memberId: joined[0].memberId, rebalanceTimeoutMs: 5000 }));
    await sleep(20);
    c.leaveGroup("g", [{ memberId: joined[1].memberId, groupInstanceId: null }]);
    const again = await held;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(again.generationId).toBe(2);
  });
});

describe("metrics", () => {
  it("records groups, members, rebalances, expirations, refusals and committed offsets", async () => {
    const metrics = new Metrics();
    const c = new GroupCoordinator(groupCoordinatorSettings({ sessionTimeoutMsMin: 100, initialRebalanceDelayMs: 30, memberCountMax: 2 }), new MapOffsetStore(), createLogger("groups", () => {}), metrics);
    coordinators.push(c);
    const value = (name: string) => (metrics.gauges.get(name) ?? metrics.counters.get(name))!.value;
    const { joined } = await stableGroup(c, 2, { sessionTimeoutMs: 150 });
    expect(value("ledge_groups")).toBe(1);
    expect(value("ledge_group_members")).toBe(2);
    expect(value("ledge_group_rebalances_total")).toBe(1);
    expect((await c.joinGroup(join())).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(value("ledge_group_refusals_total")).toBe(1);
    await c.commitOffsets({ groupId: "g", generationId: 1, memberId: joined[0].memberId, topics: [{ name: "t", partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }, { partition: 1, offset: 1, leaderEpoch: -1, metadata: null }] }] });
    expect(value("ledge_group_committed_offsets_total")).toBe(2);
    c.leaveGroup("g", [{ memberId: joined[0].memberId, groupInstanceId: null }]);
    expect(value("ledge_group_members")).toBe(1);
    // The other member stays silent: it expires and the group empties.
    await sleep(250);
    expect(value("ledge_group_member_expirations_total")).toBe(1);
    expect(value("ledge_group_members")).toBe(0);
    expect(value("ledge_groups")).toBe(0);
  });
});

describe("errors", () => {
  it("empty group id → INVALID_GROUP_ID (24) on join, sync, heartbeat and leave", async () => {
    const { c } = make();
    expect((await c.joinGroup(join({ groupId: "" }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await c.syncGroup({ groupId: "", generationId: 1, memberId: "m", groupInstanceId: null, assignments: [] })).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(c.heartbeat({ groupId: "", generationId: 1, memberId: "m" })).toBe(ErrorCode.INVALID_GROUP_ID);
    expect(c.leaveGroup("", [{ memberId: "m", groupInstanceId: null }]).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it("session timeout outside the allowed range → INVALID_SESSION_TIMEOUT (26)", async () => {
    const { c } = make({ sessionTimeoutMsMin: 6000, sessionTimeoutMsMax: 1_800_000 });
    expect((await c.joinGroup(join({ sessionTimeoutMs: 5999 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(join({ sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(c.listGroups()).toEqual([]);
  });

  it("inconsistent protocols → INCONSISTENT_GROUP_PROTOCOL (23)", async () => {
    const { c } = make();
    expect((await c.joinGroup(join({ protocolType: "" }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(join({ protocols: [] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    await stableGroup(c, 1);
    expect((await c.joinGroup(join({ protocolType: "connect" }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(join({ protocols: [{ name: "sticky", metadata: bytes("") }] }))).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it("unknown member → UNKNOWN_MEMBER_ID (25) on join, sync, heartbeat", async () => {
    const { c } = make();
    expect((await c.joinGroup(join({ memberId: "ghost" }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    await stableGroup(c, 1);
    expect((await c.joinGroup(join({ memberId: "ghost" }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.syncGroup({ groupId: "g", generationId: 1, memberId: "ghost", groupInstanceId: null, assignments: [] })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat({ groupId: "g", generationId: 1, memberId: "ghost" })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat({ groupId: "other", generationId: 1, memberId: "ghost" })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("SyncGroup during PreparingRebalance → REBALANCE_IN_PROGRESS (27)", async () => {
    const { c } = make();
    const { joined } = await stableGroup(c, 2);
    const held = c.joinGroup(join({ memberId: joined[0].memberId }));
    const r = await c.syncGroup({ groupId: "g", generationId: 1, memberId: joined[1].memberId, groupInstanceId: null, assignments: [] });
    expect(r.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    await c.joinGroup(join({ memberId: joined[1].memberId }));
    expect((await held).generationId).toBe(2);
  });

  it("members past memberCountMax → GROUP_MAX_SIZE_REACHED (81); groups past groupCountMax → COORDINATOR_NOT_AVAILABLE (15)", async () => {
    const { c } = make({ memberCountMax: 2, groupCountMax: 1 });
    const a = c.joinGroup(join({ requireKnownMemberId: true }));
    const b = c.joinGroup(join({ requireKnownMemberId: true }));
    expect((await a).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await b).errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect((await c.joinGroup(join({ requireKnownMemberId: true }))).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect((await c.joinGroup(join({ groupId: "second" }))).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect(logLines.some((l) => l.includes("groupCountMax"))).toBe(true);
  });

  it("an unused MEMBER_ID_REQUIRED id expires after its session timeout", async () => {
    const { c } = make();
    const first = await c.joinGroup(join({ requireKnownMemberId: true, sessionTimeoutMs: 100 }));
    await sleep(180);
    const late = await c.joinGroup(join({ requireKnownMemberId: true, memberId: first.memberId, sessionTimeoutMs: 100 }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it("close() answers held joins with COORDINATOR_NOT_AVAILABLE (15)", async () => {
    const { c } = make({ initialRebalanceDelayMs: 5000 });
    const held = c.joinGroup(join());
    await sleep(10);
    c.close();
    expect((await held).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});

describe("OffsetCommit and OffsetFetch", () => {
  const commit = (generationId: number, memberId: string, metadata: string | null = "meta") => ({
    groupId: "g", generationId, memberId,
    topics: [{ name: "t", partitions: [{ partition: 0, offset: 42, leaderEpoch: 3, metadata }] }],
  });

  it("a commit from outside any generation (-1, no member) is stored while the group has no members", async () => {
    const { c, store } = make();
    const out = await c.commitOffsets(commit(-1, ""));
    expect(out.topics[0].partitions[0].errorCode).toBe(0);
    expect(store.fetch("g", "t", 0)).toEqual({ offset: 42, leaderEpoch: 3, metadata: "meta" });
    const fetched = c.fetchOffsets("g", [{ name: "t", partitions: [0, 1] }]);
    expect(fetched.topics[0].partitions).toEqual([
      { partition: 0, offset: 42, leaderEpoch: 3, metadata: "meta", errorCode: 0 },
      { partition: 1, offset: -1, leaderEpoch: -1, metadata: "", errorCode: 0 },
    ]);
    expect(c.fetchOffsets("g", null).topics).toEqual([{ name: "t", partitions: [fetched.topics[0].partitions[0]] }]);
  });

  it("members commit with their generation; stale → 22, unknown → 25, CompletingRebalance → 27, big metadata → 12", async () => {
    const { c, store } = make({ offsetMetadataBytesMax: 8 });
    const joined = await Promise.all([c.joinGroup(join()), c.joinGroup(join())]);
    const [a, b] = joined;
    expect((await c.commitOffsets(commit(1, a.memberId, null))).topics[0].partitions[0].errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const leader = joined.find((j) => j.leader === j.memberId)!;
    const other = joined.find((j) => j !== leader)!;
    const fs = c.syncGroup({ groupId: "g", generationId: 1, memberId: other.memberId, groupInstanceId: null, assignments: [] });
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, groupInstanceId: null, assignments: [] });
    await fs;
    expect((await c.commitOffsets(commit(1, b.memberId, null))).topics[0].partitions[0].errorCode).toBe(0);
    expect(store.fetch("g", "t", 0)).toEqual({ offset: 42, leaderEpoch: 3, metadata: "" });
    expect((await c.commitOffsets(commit(0, a.memberId))).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await c.commitOffsets(commit(1, "ghost"))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.commitOffsets(commit(-1, ""))).topics[0].partitions[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await c.commitOffsets(commit(1, a.memberId, "123456789"))).topics[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
    // A commit with a generation on a group the coordinator does not hold is from a past life.
    expect((await c.commitOffsets({ ...commit(5, "m"), groupId: "gone" })).topics[0].partitions[0].errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
  });

  it("a failing store answers UNKNOWN_SERVER_ERROR (-1) and logs what to check", async () => {
    const failing: GroupOffsetStore = { commit: async () => { throw new Error("MDB_MAP_FULL"); }, fetch: () => undefined };
    const c = new GroupCoordinator(groupCoordinatorSettings(), failing, createLogger("groups", (l) => void logLines.push(l)));
    coordinators.push(c);
    const out = await c.commitOffsets(commit(-1, ""));
    expect(out.topics[0].partitions[0].errorCode).toBe(-1);
    expect(logLines.some((l) => l.includes("MDB_MAP_FULL") && l.includes("disk"))).toBe(true);
  });
});
