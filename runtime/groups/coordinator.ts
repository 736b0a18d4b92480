// The classic consumer-group coordinator (Kafka's GroupCoordinator, one broker): members join,
// the group rebalances (Empty → PreparingRebalance → CompletingRebalance → Stable), the leader's
// assignments are handed out, and heartbeats keep members alive. It owns every group's timers.
// JoinGroup and SyncGroup answers are held (promises) until the rebalance step they wait for.
// Groups live in memory only while they have members; committed offsets are durable in the
// log's group store, so after a restart members simply rejoin and resume from their offsets.
import assert from "node:assert";
import { randomUUID } from "node:crypto";
import { ErrorCode } from "../kafka/errors.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics/index.ts";
import { groupMetrics, type GroupMetrics } from "./coordinator-metrics.ts";
import { GroupMember, GroupState } from "./coordinator-group.ts";
import type { GroupCoordinatorSettings } from "./coordinator-settings.ts";
import { commitOffsets, fetchOffsets, type OffsetFetchTopicsInput } from "./coordinator-offsets.ts";
import { describeGroup, listGroups } from "./coordinator-describe.ts";
import {
  type DescribedGroup, type GroupOffsetStore, type HeartbeatInput, type JoinGroupInput,
  type JoinGroupOutput, type LeaveGroupOutput, type ListedGroup, type OffsetCommitInput,
  type OffsetCommitOutput, type OffsetFetchOutput, type SyncGroupInput, type SyncGroupOutput,
} from "./coordinator-types.ts";

type JoinAnswer = (out: JoinGroupOutput) => void;
type SyncAnswer = (out: SyncGroupOutput) => void;

function joinError(errorCode: number, memberId = ""): JoinGroupOutput {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: "", memberId, members: [] };
}

function syncError(errorCode: number): SyncGroupOutput {
  return { errorCode, protocolType: null, protocolName: null, assignment: new Uint8Array(0) };
}

/** A serialized "consumer" Assignment with no partitions (version 0, no topics, empty user
 * data): some clients fail on zero bytes, so members the leader left out get this. */
const emptyConsumerAssignment = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

/** Timers stay referenced: a held JoinGroup is pending work, and close() clears them all. */
function timer(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, ms);
}

export class GroupCoordinator {
  private readonly groups = new Map<string, GroupState>();
  private readonly metrics: GroupMetrics;
  private memberCount = 0;
  private closed = false;

  constructor(
    readonly settings: GroupCoordinatorSettings,
    private readonly offsets: GroupOffsetStore,
    private readonly logger: Logger,
    metrics?: Metrics,
  ) {
    this.metrics = groupMetrics(metrics);
  }

  joinGroup(input: JoinGroupInput): Promise<JoinGroupOutput> {
    return new Promise((resolve) => this.join(input, resolve));
  }

  syncGroup(input: SyncGroupInput): Promise<SyncGroupOutput> {
    return new Promise((resolve) => this.sync(input, resolve));
  }

  heartbeat(input: HeartbeatInput): number {
    if (input.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(input.groupId);
    const member = group?.members.get(input.memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.restartSession(group, member);
    // A heartbeat during PreparingRebalance is how a member learns it must rejoin.
    return group.state === "PreparingRebalance" ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leaveGroup(groupId: string, leaving: { memberId: string; groupInstanceId: string | null }[]): LeaveGroupOutput {
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
    const members = leaving.map(({ memberId, groupInstanceId }) => {
      let errorCode: number = ErrorCode.UNKNOWN_MEMBER_ID;
      const pending = group?.pendingMembers.get(memberId);
      const member = group?.members.get(memberId);
      if (group && pending) {
        clearTimeout(pending);
        group.pendingMembers.delete(memberId);
        errorCode = ErrorCode.NONE;
      } else if (group && member) {
        this.removeMember(group, member, "left the group");
        errorCode = ErrorCode.NONE;
      }
      return { memberId, groupInstanceId, errorCode };
    });
    if (group && members.some((m) => m.errorCode === ErrorCode.NONE)) this.afterMembersRemoved(group, "members left");
    return { errorCode: ErrorCode.NONE, members };
  }

  async commitOffsets(input: OffsetCommitInput): Promise<OffsetCommitOutput> {
    const status = this.commitStatus(input);
    const out = await commitOffsets(this.offsets, this.settings, this.logger, input, status);
    for (const t of out.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) this.metrics.committedOffsets.inc();
    return out;
  }

  /**
   * Whether a transactional offset commit (TxnOffsetCommit) from this member and generation may
   * stand, as OffsetCommit's check: NONE, or ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID / ...
   * TxnOffsetCommit before v3 names no member or generation (kafkajs sends v0), so one without
   * them stands even while the group has members, as Kafka's validateOffsetCommit allows for
   * transactional commits: the transactional id's epoch fences zombies instead.
   */
  memberCommitStatus(groupId: string, generationId: number, memberId: string): number {
    if (generationId < 0 && memberId === "") return ErrorCode.NONE;
    return this.commitStatus({ groupId, generationId, memberId, topics: [] });
  }

  fetchOffsets(groupId: string, topics: OffsetFetchTopicsInput): OffsetFetchOutput {
    return fetchOffsets(this.offsets, groupId, topics);
  }

  describeGroups(groupIds: string[]): DescribedGroup[] {
    // Only a group not held here needs the store's scan: with offsets it is Empty, else Dead.
    const unheld = groupIds.some((id) => !this.groups.has(id));
    const withOffsets = new Set(unheld ? this.offsets.groups?.() ?? [] : []);
    return groupIds.map((id) => describeGroup(id, this.groups.get(id), withOffsets.has(id)));
  }

  listGroups(): ListedGroup[] {
    return listGroups(this.groups, this.offsets.groups?.() ?? []);
  }

  /** Stops every timer and answers every held request with COORDINATOR_NOT_AVAILABLE. */
  close(): void {
    this.closed = true;
    for (const group of this.groups.values()) {
      clearTimeout(group.joinTimer ?? undefined);
      clearTimeout(group.syncTimer ?? undefined);
      for (const t of group.pendingMembers.values()) clearTimeout(t);
      for (const m of group.members.values()) {
        clearTimeout(m.sessionTimer ?? undefined);
        m.joinWaiter?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        m.syncWaiter?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
    this.groups.clear();
    this.memberCount = 0;
    this.metrics.groups.set(0);
    this.metrics.members.set(0);
  }

  private join(input: JoinGroupInput, answer: JoinAnswer): void {
    if (this.closed) return answer(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, input.memberId));
    if (input.groupId === "") return answer(joinError(ErrorCode.INVALID_GROUP_ID, input.memberId));
    const { sessionTimeoutMsMin: min, sessionTimeoutMsMax: max } = this.settings;
    if (input.sessionTimeoutMs < min || input.sessionTimeoutMs > max) {
      return answer(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, input.memberId));
    }
    let group = this.groups.get(input.groupId);
    if (!group) {
      if (input.memberId !== "") return answer(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
      if (this.groups.size >= this.settings.groupCountMax) {
        this.logger.warn(`group ${input.groupId} refused: ${this.groups.size} groups are active, the most the coordinator holds (groupCountMax); raise it or retire idle consumers`);
        this.metrics.refusals.inc();
        return answer(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
      group = new GroupState(input.groupId);
      this.groups.set(input.groupId, group);
      this.metrics.groups.set(this.groups.size);
    }
    if (!group.supportsProtocols(input.protocolType, input.protocols, input.memberId)) {
      answer(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, input.memberId));
      return this.dropIfUnused(group);
    }
    if (input.memberId === "") this.joinNewMember(group, input, answer);
    else this.joinKnownMember(group, input, answer);
  }

  private joinNewMember(group: GroupState, input: JoinGroupInput, answer: JoinAnswer): void {
    if (group.memberCount() >= this.settings.memberCountMax) {
      this.logger.warn(`group ${group.groupId} is full (${group.memberCount()} members, memberCountMax); a member from client ${input.clientId} was refused`);
      this.metrics.refusals.inc();
      answer(joinError(ErrorCode.GROUP_MAX_SIZE_REACHED));
      return this.dropIfUnused(group);
    }
    const memberId = `${input.clientId || "member"}-${randomUUID()}`;
    if (input.requireKnownMemberId) {
      // KIP-394: the id is remembered for one session timeout, then forgotten if unused.
      group.pendingMembers.set(memberId, timer(input.sessionTimeoutMs, () => {
        group.pendingMembers.delete(memberId);
        this.tryCompleteJoin(group);
        this.dropIfUnused(group);
      }));
      return answer(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.addMemberAndRebalance(group, memberId, input, answer);
  }

  private joinKnownMember(group: GroupState, input: JoinGroupInput, answer: JoinAnswer): void {
    const pending = group.pendingMembers.get(input.memberId);
    if (pending) {
      clearTimeout(pending);
      group.pendingMembers.delete(input.memberId);
      return this.addMemberAndRebalance(group, input.memberId, input, answer);
    }
    const member = group.members.get(input.memberId);
    if (!member) return answer(joinError(ErrorCode.UNKNOWN_MEMBER_ID, input.memberId));
    const unchanged = member.matches(input.protocols);
    const isLeader = group.leaderId === member.memberId;
    if (group.state === "CompletingRebalance" && unchanged) return answer(this.joinAnswer(group, member));
    if (group.state === "Stable" && unchanged && !isLeader) {
      this.restartSession(group, member);
      return answer(this.joinAnswer(group, member));
    }
    this.updateMemberAndRebalance(group, member, input, answer);
  }

  private addMemberAndRebalance(group: GroupState, memberId: string, input: JoinGroupInput, answer: JoinAnswer): void {
    const member = new GroupMember(
      memberId, input.groupInstanceId, input.clientId, input.clientHost,
      input.sessionTimeoutMs, input.rebalanceTimeoutMs, input.protocolType, input.protocols,
    );
    member.joinWaiter = answer;
    if (group.members.size === 0) group.protocolType = input.protocolType;
    group.members.set(memberId, member);
    this.metrics.members.set(++this.memberCount);
    group.leaderId ??= memberId;
    group.newMemberAdded = true;
    this.restartSession(group, member);
    this.prepareRebalance(group, `member ${memberId} (client ${input.clientId}) joined`);
    this.tryCompleteJoin(group);
  }

  private updateMemberAndRebalance(group: GroupState, member: GroupMember, input: JoinGroupInput, answer: JoinAnswer): void {
    // A held join is answered before being replaced: its connection answers in order.
    member.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    member.joinWaiter = answer;
    member.protocols = input.protocols;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    this.restartSession(group, member);
    this.prepareRebalance(group, `member ${member.memberId} rejoined`);
    this.tryCompleteJoin(group);
  }

  /** Moves the group to PreparingRebalance (once) and arms the timer that ends the join phase. */
  private prepareRebalance(group: GroupState, reason: string): void {
    if (group.state === "PreparingRebalance") return;
    if (group.state === "CompletingRebalance") this.failParkedSyncs(group);
    clearTimeout(group.syncTimer ?? undefined);
    group.syncTimer = null;
    const fromEmpty = group.state === "Empty";
    group.state = "PreparingRebalance";
    this.logger.info(`group ${group.groupId} is rebalancing after generation ${group.generationId}: ${reason}`);
    const delayMs = this.settings.initialRebalanceDelayMs;
    if (fromEmpty && delayMs > 0) {
      group.initialDelayActive = true;
      group.newMemberAdded = false;
      this.armInitialDelay(group, delayMs, Math.max(group.rebalanceTimeoutMs() - delayMs, 0));
    } else {
      group.joinTimer = timer(group.rebalanceTimeoutMs(), () => this.completeJoin(group));
    }
  }

  /** Kafka's InitialDelayedJoin: while new members keep arriving, wait another delay, within
   * the rebalance timeout; then complete the join with whoever is there. */
  private armInitialDelay(group: GroupState, delayMs: number, remainingMs: number): void {
    group.joinTimer = timer(delayMs, () => {
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const next = Math.min(delayMs, remainingMs);
        return this.armInitialDelay(group, next, remainingMs - next);
      }
      group.initialDelayActive = false;
      this.completeJoin(group);
    });
  }

  private tryCompleteJoin(group: GroupState): void {
    if (group.state !== "PreparingRebalance" || group.initialDelayActive) return;
    if (group.allMembersJoined()) this.completeJoin(group);
  }

  /** Ends the join phase: drops members that did not rejoin, starts the next generation and
   * answers every held JoinGroup (only the leader's answer lists the members). */
  private completeJoin(group: GroupState): void {
    if (group.state !== "PreparingRebalance") return;
    clearTimeout(group.joinTimer ?? undefined);
    group.joinTimer = null;
    group.initialDelayActive = false;
    for (const m of [...group.members.values()]) {
      if (!m.joinWaiter) {
        this.metrics.expirations.inc();
        this.removeMember(group, m, "did not rejoin within the rebalance timeout");
      }
    }
    group.generationId++;
    this.metrics.rebalances.inc();
    if (group.members.size === 0) {
      this.becomeEmpty(group);
      return this.dropIfUnused(group);
    }
    if (!group.leaderId || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.protocolName = group.selectProtocol();
    assert(group.members.has(group.leaderId!), "a generation's leader is one of its members");
    group.state = "CompletingRebalance";
    this.logger.info(`group ${group.groupId} generation ${group.generationId}: ${group.members.size} members, protocol ${group.protocolName}, leader ${group.leaderId}`);
    for (const m of group.members.values()) {
      const answer = m.joinWaiter!;
      m.joinWaiter = null;
      this.restartSession(group, m);
      answer(this.joinAnswer(group, m));
    }
    const generationId = group.generationId;
    group.syncTimer = timer(group.rebalanceTimeoutMs(), () => this.syncTimedOut(group, generationId));
  }

  private becomeEmpty(group: GroupState): void {
    group.state = "Empty";
    group.protocolName = null;
    group.protocolType = null;
    group.leaderId = null;
    this.logger.info(`group ${group.groupId} is empty at generation ${group.generationId}; its committed offsets stay`);
  }

  private joinAnswer(group: GroupState, member: GroupMember): JoinGroupOutput {
    const protocolName = group.protocolName!;
    const isLeader = group.leaderId === member.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName,
      leader: group.leaderId!,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocolName) }))
        : [],
    };
  }

  private sync(input: SyncGroupInput, answer: SyncAnswer): void {
    if (this.closed) return answer(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (input.groupId === "") return answer(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.groups.get(input.groupId);
    const member = group?.members.get(input.memberId);
    if (!group || !member) return answer(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (input.generationId !== group.generationId) return answer(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (group.state === "PreparingRebalance") return answer(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    this.restartSession(group, member);
    if (group.state === "Stable") return answer(this.syncAnswer(group, member));
    // CompletingRebalance: park until the leader's assignments arrive.
    member.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    member.syncWaiter = answer;
    if (member.memberId === group.leaderId) this.applyAssignments(group, input.assignments);
  }

  private applyAssignments(group: GroupState, assignments: SyncGroupInput["assignments"]): void {
    assert(group.state === "CompletingRebalance", "assignments are taken only while completing a rebalance");
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    const empty = group.protocolType === "consumer" ? emptyConsumerAssignment : new Uint8Array(0);
    for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? empty;
    clearTimeout(group.syncTimer ?? undefined);
    group.syncTimer = null;
    group.state = "Stable";
    for (const m of group.members.values()) {
      const answer = m.syncWaiter;
      m.syncWaiter = null;
      answer?.(this.syncAnswer(group, m));
    }
  }

  private syncAnswer(group: GroupState, member: GroupMember): SyncGroupOutput {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: member.assignment };
  }

  /** The leader never sent assignments: members that did not sync are dropped, the rest rejoin. */
  private syncTimedOut(group: GroupState, generationId: number): void {
    if (group.state !== "CompletingRebalance" || group.generationId !== generationId) return;
    for (const m of [...group.members.values()]) {
      if (!m.syncWaiter) {
        this.metrics.expirations.inc();
        this.removeMember(group, m, "did not send SyncGroup within the rebalance timeout");
      }
    }
    this.prepareRebalance(group, "the leader sent no assignments within the rebalance timeout");
    this.tryCompleteJoin(group);
  }

  private failParkedSyncs(group: GroupState): void {
    for (const m of group.members.values()) {
      const answer = m.syncWaiter;
      m.syncWaiter = null;
      answer?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    }
  }

  private restartSession(group: GroupState, member: GroupMember): void {
    clearTimeout(member.sessionTimer ?? undefined);
    member.sessionTimer = timer(member.sessionTimeoutMs, () => this.sessionExpired(group, member));
  }

  private sessionExpired(group: GroupState, member: GroupMember): void {
    if (group.members.get(member.memberId) !== member) return;
    // Held requests keep a member alive; the rebalance timeout bounds how long they are held.
    if (member.joinWaiter || member.syncWaiter) return this.restartSession(group, member);
    this.metrics.expirations.inc();
    this.removeMember(group, member, `sent no heartbeat within its ${member.sessionTimeoutMs} ms session timeout`);
    this.afterMembersRemoved(group, `member ${member.memberId} expired`);
  }

  private removeMember(group: GroupState, member: GroupMember, why: string): void {
    assert(group.members.get(member.memberId) === member, "only a current member is removed");
    clearTimeout(member.sessionTimer ?? undefined);
    member.sessionTimer = null;
    group.members.delete(member.memberId);
    this.metrics.members.set(--this.memberCount);
    assert(this.memberCount >= 0, "member count stays in step with the groups' members");
    member.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    member.joinWaiter = null;
    member.syncWaiter = null;
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null;
    this.logger.info(`group ${group.groupId}: member ${member.memberId} (client ${member.clientId}) removed: ${why}`);
  }

  private afterMembersRemoved(group: GroupState, reason: string): void {
    if (group.state === "Stable" || group.state === "CompletingRebalance") this.prepareRebalance(group, reason);
    this.tryCompleteJoin(group);
    this.dropIfUnused(group);
  }

  /** Forgets an Empty group with nobody waiting: its offsets are in the store, not here. */
  private dropIfUnused(group: GroupState): void {
    if (group.state !== "Empty" || group.members.size > 0 || group.pendingMembers.size > 0) return;
    if (this.groups.get(group.groupId) === group) this.groups.delete(group.groupId);
    this.metrics.groups.set(this.groups.size);
  }

  /** Kafka's checks before an OffsetCommit is stored (GroupCoordinator.doCommitOffsets). */
  private commitStatus(input: OffsetCommitInput): number {
    const group = this.groups.get(input.groupId);
    if (!group) return input.generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (input.generationId < 0 && group.state === "Empty") return ErrorCode.NONE;
    if (group.state === "CompletingRebalance") return ErrorCode.REBALANCE_IN_PROGRESS;
    const member = group.members.get(input.memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (input.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.restartSession(group, member);
    return ErrorCode.NONE;
  }
}
