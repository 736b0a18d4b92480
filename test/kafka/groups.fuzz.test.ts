// Random sequences of JoinGroup / SyncGroup / Heartbeat / LeaveGroup / OffsetCommit (valid,
// stale and garbage ids, protocol mixes, tiny real timeouts) against the coordinator. After
// every step the group's shape must hold (bounded members, a leader among them once a
// generation is formed, a member's generations only grow), every answer carries a known code,
// and every held request is answered: nothing is left waiting once the coordinator closes.
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { GroupCoordinator } from "../../runtime/groups/coordinator.ts";
import { groupCoordinatorSettings } from "../../runtime/groups/coordinator-settings.ts";
import { type CommittedOffset, type GroupOffsetStore } from "../../runtime/groups/coordinator-types.ts";
import { createLogger } from "../../runtime/logger.ts";
import { ErrorCode } from "../../runtime/kafka/errors.ts";

// The codes the classic coordinator answers with (Kafka's GroupCoordinator answers these too).
const known = new Set<number>([
  ErrorCode.NONE, ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.ILLEGAL_GENERATION, ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ErrorCode.INVALID_GROUP_ID, ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.INVALID_SESSION_TIMEOUT, ErrorCode.REBALANCE_IN_PROGRESS, ErrorCode.MEMBER_ID_REQUIRED, ErrorCode.GROUP_MAX_SIZE_REACHED,
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class MapOffsetStore implements GroupOffsetStore {
  readonly map = new Map<string, CommittedOffset>();
  async commit(g: string, t: string, p: number, v: CommittedOffset) {
    this.map.set(`${g}/${t}/${p}`, v);
  }
  fetch(g: string, t: string, p: number) {
    return this.map.get(`${g}/${t}/${p}`);
  }
}

const protocolSets = [["range"], ["range", "roundrobin"], ["roundrobin"], ["sticky", "range"]];
const command = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("join" as const), who: fc.nat(6), protocols: fc.nat(protocolSets.length - 1), v4: fc.boolean(), type: fc.constantFrom("consumer", "consumer", "consumer", "connect") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sync" as const), who: fc.nat(6), generationDelta: fc.integer({ min: -1, max: 1 }), assign: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("heartbeat" as const), who: fc.nat(6), generationDelta: fc.integer({ min: -1, max: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("leave" as const), who: fc.nat(6) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("commit" as const), who: fc.nat(6), generationDelta: fc.integer({ min: -2, max: 1 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 30 }) }) },
);
type Command = typeof command extends fc.Arbitrary<infer T> ? T : never;

async function run(commands: Command[]): Promise<void> {
  const memberCountMax = 4;
  const c = new GroupCoordinator(
    groupCoordinatorSettings({ sessionTimeoutMsMin: 10, initialRebalanceDelayMs: 15, memberCountMax }),
    new MapOffsetStore(), createLogger("fuzz", () => {}),
  );
  const ids: string[] = ["", "ghost"];
  const held: Promise<{ errorCode: number }>[] = [];
  let generationSeen = 0;
  const lastGeneration = new Map<string, number>();
  // Mostly real member ids (once there are some), sometimes "" (a first join) or a stranger.
  const idOf = (who: number) => (who === 0 || ids.length === 2 ? ids[who % 2] : ids[2 + (who % (ids.length - 2))]);
  const check = (code: number) => expect(known.has(code), `error code ${code}`).toBe(true);
  for (const cmd of commands) {
    const current = Math.max(generationSeen, 0);
    if (cmd.kind === "join") {
      const p = c.joinGroup({
        groupId: "g", memberId: idOf(cmd.who), groupInstanceId: null, sessionTimeoutMs: 60, rebalanceTimeoutMs: 40,
        protocolType: cmd.type, protocols: protocolSets[cmd.protocols].map((name) => ({ name, metadata: new Uint8Array([cmd.protocols]) })),
        requireKnownMemberId: cmd.v4, clientId: "f", clientHost: "/127.0.0.1",
      }).then((out) => {
        check(out.errorCode);
        if (out.memberId && !ids.includes(out.memberId)) ids.push(out.memberId);
        if (out.errorCode === 0) {
          // A member never goes back a generation (a forgotten group restarts at 1, with new ids).
          expect(out.generationId).toBeGreaterThanOrEqual(lastGeneration.get(out.memberId) ?? 1);
          lastGeneration.set(out.memberId, out.generationId);
          generationSeen = out.generationId;
          if (out.leader === out.memberId) expect(out.members.map((m) => m.memberId)).toContain(out.memberId);
          else expect(out.members).toEqual([]);
        }
        return out;
      });
      held.push(p);
    } else if (cmd.kind === "sync") {
      const generationId = current + cmd.generationDelta;
      const assignments = cmd.assign ? ids.slice(2).map((memberId) => ({ memberId, assignment: new Uint8Array([1]) })) : [];
      held.push(c.syncGroup({ groupId: "g", generationId, memberId: idOf(cmd.who), groupInstanceId: null, assignments }).then((out) => (check(out.errorCode), out)));
    } else if (cmd.kind === "heartbeat") {
      check(c.heartbeat({ groupId: "g", generationId: current + cmd.generationDelta, memberId: idOf(cmd.who) }));
    } else if (cmd.kind === "leave") {
      const out = c.leaveGroup("g", [{ memberId: idOf(cmd.who), groupInstanceId: null }]);
      out.members.forEach((m) => check(m.errorCode));
    } else if (cmd.kind === "commit") {
      const generationId = cmd.generationDelta === -2 ? -1 : current + cmd.generationDelta;
      const out = await c.commitOffsets({ groupId: "g", generationId, memberId: idOf(cmd.who), topics: [{ name: "t", partitions: [{ partition: 0, offset: 1, leaderEpoch: -1, metadata: null }] }] });
      check(out.topics[0].partitions[0].errorCode);
    } else {
      await sleep(cmd.ms);
    }
    const d = c.describeGroups(["g"])[0];
    expect(d.members.length).toBeLessThanOrEqual(memberCountMax);
    expect(["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"]).toContain(d.state);
    if (d.state === "Dead") expect(d.members).toEqual([]);
  }
  c.close();
  // Every held JoinGroup and SyncGroup has an answer once the coordinator is closed.
  const answered = await Promise.race([Promise.all(held).then(() => true), sleep(2000).then(() => false)]);
  expect(answered).toBe(true);
}

describe("coordinator under random request sequences", () => {
  it("keeps its invariants, answers every held request and never throws", async () => {
    await fc.assert(fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 40 }), run), { numRuns: 120 });
  }, 60_000);
});
