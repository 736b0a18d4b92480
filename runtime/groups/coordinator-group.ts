// One consumer group's state in the classic protocol: its members, generation, leader and the
// protocol chosen by vote. Pure bookkeeping; timers and answers live in coordinator.ts.
import assert from "node:assert";
import type { GroupProtocol, GroupStateName, JoinGroupOutput, SyncGroupOutput } from "./coordinator-types.ts";

export class GroupMember {
  /** The held JoinGroup answer while the group prepares a rebalance. */
  joinWaiter: ((out: JoinGroupOutput) => void) | null = null;
  /** The held SyncGroup answer while the leader has not sent assignments yet. */
  syncWaiter: ((out: SyncGroupOutput) => void) | null = null;
  assignment: Uint8Array = new Uint8Array(0);
  sessionTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly memberId: string,
    public groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: GroupProtocol[],
  ) {}

  metadataFor(protocolName: string): Uint8Array {
    const p = this.protocols.find((x) => x.name === protocolName);
    assert(p, `member ${this.memberId} was elected with protocol ${protocolName} it does not support`);
    return p.metadata;
  }

  /** Same protocols with the same metadata, in the same order (a rejoin that changes nothing). */
  matches(protocols: GroupProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i].name && bytesEqual(p.metadata, this.protocols[i].metadata));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class GroupState {
  state: GroupStateName = "Empty";
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, GroupMember>();
  /** Ids handed out with MEMBER_ID_REQUIRED, each expiring after its session timeout. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** Ends the join phase (initial delay, then the rebalance timeout). */
  joinTimer: NodeJS.Timeout | null = null;
  /** Set while a new group waits its initial rebalance delay for more members. */
  initialDelayActive = false;
  /** A member joined during the current initial delay (Kafka then waits one more delay). */
  newMemberAdded = false;
  /** Ends CompletingRebalance when the leader never sends its SyncGroup. */
  syncTimer: NodeJS.Timeout | null = null;

  constructor(readonly groupId: string) {}

  /** Whether a member offering `protocols` of `protocolType` can join without breaking the group. */
  supportsProtocols(protocolType: string, protocols: GroupProtocol[], exceptMemberId: string): boolean {
    if (protocolType === "" || protocols.length === 0) return false;
    const others = [...this.members.values()].filter((m) => m.memberId !== exceptMemberId);
    if (others.length === 0) return true;
    if (protocolType !== this.protocolType) return false;
    return protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  /** Kafka's vote: among protocols every member supports, each member votes its first choice. */
  selectProtocol(): string {
    const all = [...this.members.values()];
    assert(all.length > 0, "a protocol is chosen only for a group with members");
    const candidates = all[0].protocols.map((p) => p.name).filter((n) => all.every((m) => m.protocols.some((p) => p.name === n)));
    assert(candidates.length > 0, `group ${this.groupId} admitted members with no common protocol`);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of all) {
      const choice = m.protocols.find((p) => votes.has(p.name))!;
      votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0];
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  /** The longest rebalance timeout among members: how long a join phase may wait. */
  rebalanceTimeoutMs(): number {
    let ms = 0;
    for (const m of this.members.values()) ms = Math.max(ms, m.rebalanceTimeoutMs);
    return ms;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.joinWaiter) return false;
    return true;
  }

  memberCount(): number {
    return this.members.size + this.pendingMembers.size;
  }
}
