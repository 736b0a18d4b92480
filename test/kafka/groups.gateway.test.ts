// The group APIs over a real socket against the real listener, a real Log and the coordinator:
// FindCoordinator names this listener; the v4+ MEMBER_ID_REQUIRED round trip; SyncGroup,
// Heartbeat, LeaveGroup, DescribeGroups, ListGroups; OffsetCommit/OffsetFetch through the log's
// durable store; and bad input (empty group id, stale generation, unknown member, session
// timeout out of range, an unparsable body closing only that connection).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { RawKafkaClient } from "./helpers/raw-client.ts";
import { startGroupLedge, type GroupLedge } from "./groups-ledge.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";

let ledge: GroupLedge;
let client: RawKafkaClient;

beforeAll(async () => {
  ledge = await startGroupLedge({ initialRebalanceDelayMs: 50 });
  await ledge.log.createTopic("t", 3);
  client = await RawKafkaClient.open(ledge.port);
});
afterAll(async () => {
  client.destroy();
  await ledge.close();
});

const meta = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 0]);
const joinV5 = (groupId: string, memberId: string, sessionTimeoutMs = 10_000) => client.request(ApiKey.JoinGroup, 5, {
  groupId, sessionTimeoutMs, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null,
  protocolType: "consumer", protocols: [{ name: "range", metadata: meta }],
});

describe("group APIs over the wire", () => {
  it("FindCoordinator v0 and v2 name this listener; a transaction key (type 1) gets COORDINATOR_NOT_AVAILABLE", async () => {
    const v0 = await client.request(ApiKey.FindCoordinator, 0, { key: "g" });
    expect(v0.body).toEqual({ errorCode: 0, nodeId: 0, host: "127.0.0.1", port: ledge.port });
    const v2 = await client.request(ApiKey.FindCoordinator, 2, { key: "g", keyType: 0 });
    expect(v2.body).toMatchObject({ errorCode: 0, errorMessage: null, nodeId: 0, host: "127.0.0.1", port: ledge.port });
    const txn = await client.request(ApiKey.FindCoordinator, 2, { key: "tx", keyType: 1 });
    expect(txn.body.errorCode).toBe(15);
    expect(txn.body.errorMessage).toMatch(/transaction/);
  });

  it("JoinGroup v5 → MEMBER_ID_REQUIRED, rejoin, SyncGroup v3, Heartbeat v3, DescribeGroups v4, ListGroups v2, LeaveGroup v3", async () => {
    const first = await joinV5("wire", "");
    expect(first.body.errorCode).toBe(79);
    expect(first.body.memberId).toMatch(/^raw-test-/);
    const joined = await joinV5("wire", first.body.memberId);
    expect(joined.body).toMatchObject({ errorCode: 0, generationId: 1, protocolName: "range", leader: first.body.memberId, memberId: first.body.memberId });
    expect(joined.body.members).toHaveLength(1);
    expect(Buffer.from(joined.body.members[0].metadata)).toEqual(Buffer.from(meta));
    const memberId = first.body.memberId;
    const assignment = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 1, 116, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    const sync = await client.request(ApiKey.SyncGroup, 3, { groupId: "wire", generationId: 1, memberId, groupInstanceId: null, assignments: [{ memberId, assignment }] });
    expect(sync.body.errorCode).toBe(0);
    expect(Buffer.from(sync.body.assignment)).toEqual(Buffer.from(assignment));
    expect((await client.request(ApiKey.Heartbeat, 3, { groupId: "wire", generationId: 1, memberId, groupInstanceId: null })).body.errorCode).toBe(0);
    const described = await client.request(ApiKey.DescribeGroups, 4, { groups: ["wire", "nobody"], includeAuthorizedOperations: false });
    expect(described.body.groups[0]).toMatchObject({ errorCode: 0, groupId: "wire", groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    expect(described.body.groups[0].members[0]).toMatchObject({ memberId, groupInstanceId: null, clientId: "raw-test", clientHost: "/127.0.0.1" });
    expect(described.body.groups[1]).toMatchObject({ groupId: "nobody", groupState: "Dead", members: [] });
    const listed = await client.request(ApiKey.ListGroups, 2, {});
    expect(listed.body.groups).toContainEqual({ groupId: "wire", protocolType: "consumer" });
    const left = await client.request(ApiKey.LeaveGroup, 3, { groupId: "wire", members: [{ memberId, groupInstanceId: null }, { memberId: "ghost", groupInstanceId: null }] });
    expect(left.body.errorCode).toBe(0);
    expect(left.body.members.map((m: { errorCode: number }) => m.errorCode)).toEqual([0, 25]);
  });

  it("bad input: empty group id → 24, session timeout out of range → 26, stale generation → 22, unknown member → 25", async () => {
    expect((await joinV5("", "")).body.errorCode).toBe(24);
    expect((await joinV5("bad", "", 1000)).body.errorCode).toBe(26);
    expect((await client.request(ApiKey.Heartbeat, 0, { groupId: "", generationId: 1, memberId: "m" })).body.errorCode).toBe(24);
    expect((await client.request(ApiKey.LeaveGroup, 0, { groupId: "bad", memberId: "ghost" })).body.errorCode).toBe(25);
    // A v0 join is admitted directly (no MEMBER_ID_REQUIRED before v4).
    const j = await client.request(ApiKey.JoinGroup, 0, { groupId: "stale", sessionTimeoutMs: 10_000, memberId: "", protocolType: "consumer", protocols: [{ name: "range", metadata: meta }] });
    expect(j.body).toMatchObject({ errorCode: 0, generationId: 1 });
    const memberId = j.body.memberId;
    expect((await client.request(ApiKey.Heartbeat, 1, { groupId: "stale", generationId: 0, memberId })).body.errorCode).toBe(22);
    expect((await client.request(ApiKey.SyncGroup, 0, { groupId: "stale", generationId: 7, memberId, assignments: [] })).body.errorCode).toBe(22);
    expect((await client.request(ApiKey.Heartbeat, 1, { groupId: "stale", generationId: 1, memberId: "ghost" })).body.errorCode).toBe(25);
    // Heartbeat before SyncGroup, in CompletingRebalance, keeps the session alive without error.
    expect((await client.request(ApiKey.Heartbeat, 1, { groupId: "stale", generationId: 1, memberId })).body.errorCode).toBe(0);
    const commit = await client.request(ApiKey.OffsetCommit, 2, { groupId: "stale", generationId: 1, memberId, retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedMetadata: null }] }] });
    expect(commit.body.topics[0].partitions[0].errorCode).toBe(27);
  });

  it("OffsetCommit v7 is durable in the log's group store and OffsetFetch v5 reads it back (unknown partitions → -1)", async () => {
    const commit = await client.request(ApiKey.OffsetCommit, 7, {
      groupId: "offsets", generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, committedMetadata: "m" }, { partitionIndex: 2, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    expect(commit.body.topics[0].partitions).toEqual([{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 2, errorCode: 0 }]);
    expect(ledge.offsets.fetch("offsets", "t", 0)).toMatchObject({ offset: 42, leaderEpoch: 3, metadata: "m" });
    const fetched = await client.request(ApiKey.OffsetFetch, 5, { groupId: "offsets", topics: [{ name: "t", partitionIndexes: [0, 1] }] });
    expect(fetched.body.errorCode).toBe(0);
    expect(fetched.body.topics[0].partitions).toEqual([
      { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: "m", errorCode: 0 },
      { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 },
    ]);
    const all = await client.request(ApiKey.OffsetFetch, 2, { groupId: "offsets", topics: null });
    expect(all.body.topics).toEqual([{ name: "t", partitions: [
      { partitionIndex: 0, committedOffset: 42, metadata: "m", errorCode: 0 },
      { partitionIndex: 2, committedOffset: 7, metadata: "", errorCode: 0 },
    ] }]);
    // Offsets for a topic or partition the log does not have are refused, not stored.
    const unknown = await client.request(ApiKey.OffsetCommit, 5, {
      groupId: "offsets", generationId: -1, memberId: "",
      topics: [{ name: "t", partitions: [{ partitionIndex: 3, committedOffset: 1, committedMetadata: null }, { partitionIndex: 1, committedOffset: 9, committedMetadata: null }] },
        { name: "no-such-topic", partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
    });
    expect(unknown.body.topics).toEqual([
      { name: "t", partitions: [{ partitionIndex: 3, errorCode: 3 }, { partitionIndex: 1, errorCode: 0 }] },
      { name: "no-such-topic", partitions: [{ partitionIndex: 0, errorCode: 3 }] },
    ]);
    expect(ledge.offsets.fetch("offsets", "no-such-topic", 0)).toBeUndefined();
    expect(ledge.offsets.fetch("offsets", "t", 3)).toBeUndefined();
    expect(ledge.offsets.fetch("offsets", "t", 1)?.offset).toBe(9);
    // A group known only by its offsets is listed (Empty), as Kafka lists it.
    const listed = await client.request(ApiKey.ListGroups, 0, {});
    expect(listed.body.groups).toContainEqual({ groupId: "offsets", protocolType: "" });
    const described = await client.request(ApiKey.DescribeGroups, 0, { groups: ["offsets"] });
    expect(described.body.groups[0]).toMatchObject({ errorCode: 0, groupId: "offsets", groupState: "Empty", members: [] });
  });

  it("an unparsable JoinGroup body closes only that connection", async () => {
    const bad = await RawKafkaClient.open(ledge.port);
    const whole = bad.encode(ApiKey.JoinGroup, 5, { groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", groupInstanceId: null, protocolType: "consumer", protocols: [{ name: "range", metadata: meta }] });
    bad.sendPayload(whole.subarray(0, whole.length - 3));
    expect(await bad.closesWithin(3000)).toBe(true);
    expect(ledge.logLines.some((l) => l.includes("JoinGroup v5") && l.includes("does not parse"))).toBe(true);
    // The shared client still works.
    expect((await client.request(ApiKey.FindCoordinator, 1, { key: "g", keyType: 0 })).body.errorCode).toBe(0);
  });
});
