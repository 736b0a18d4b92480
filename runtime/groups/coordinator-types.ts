// What the classic group coordinator takes in and hands back. Plain data, shaped after the
// Kafka requests (JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
// DescribeGroups, ListGroups) but free of any wire version: the codecs map versions onto these.

/** The classic protocol's states, spelled as DescribeGroups reports them. */
export type GroupStateName = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export interface GroupProtocol {
  name: string;
  /** Opaque to the broker ("consumer" subscriptions are parsed only by the leader client). */
  metadata: Uint8Array;
}

export interface JoinGroupInput {
  groupId: string;
  /** "" on a member's first join. */
  memberId: string;
  /** KIP-345 static membership id; accepted and reported, but members stay dynamic. */
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** JoinGroup v0 has none: the codec passes the session timeout (Kafka does the same). */
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: GroupProtocol[];
  /** JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED with its new id (KIP-394). */
  requireKnownMemberId: boolean;
  clientId: string;
  clientHost: string;
}

export interface JoinedMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Uint8Array;
}

export interface JoinGroupOutput {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  memberId: string;
  /** Filled for the leader only; followers get an empty list. */
  members: JoinedMember[];
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** Only the leader sends assignments; followers send an empty list. */
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface SyncGroupOutput {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
}

export interface LeaveGroupOutput {
  /** Top-level error (v0–2 carry only this). */
  errorCode: number;
  /** One entry per member asked to leave (v3+). */
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface OffsetCommitPartition {
  partition: number;
  offset: number;
  /** -1 when the client does not send it (OffsetCommit < v6). */
  leaderEpoch: number;
  metadata: string | null;
}

export interface OffsetCommitInput {
  groupId: string;
  /** -1 with an empty member id: a commit from outside any group generation. */
  generationId: number;
  memberId: string;
  topics: { name: string; partitions: OffsetCommitPartition[] }[];
}

export interface OffsetCommitOutput {
  /** Set when the whole request was refused; every partition then carries it too. */
  errorCode: number;
  topics: { name: string; partitions: { partition: number; errorCode: number }[] }[];
}

export interface OffsetFetchPartition {
  partition: number;
  /** -1 when the group has no committed offset for this partition. */
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchOutput {
  errorCode: number;
  topics: { name: string; partitions: OffsetFetchPartition[] }[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Uint8Array;
  assignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  state: GroupStateName;
  protocolType: string;
  protocolName: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: GroupStateName;
}

/** A committed offset as runtime/groups/offsets.ts stores it (durably, in the log's LMDB). */
export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
}

/** The part of the log's group-offset store the coordinator uses (`openGroupOffsets(log)`, wired by bin/). */
export interface GroupOffsetStore {
  /** Resolves once the offset is durable. */
  commit(group: string, topic: string, partition: number, value: CommittedOffset): Promise<void>;
  fetch(group: string, topic: string, partition: number): CommittedOffset | undefined;
  /** One durable transaction for a whole OffsetCommit request, when the store offers it. */
  commitMany?(group: string, offsets: Array<{ topic: string; partition: number } & CommittedOffset>): Promise<void>;
  /** Every partition a group has committed (OffsetFetch with null topics). */
  list?(group: string): Iterable<{ topic: string; partition: number }>;
  /** Group ids with committed offsets: listed as Empty groups after a restart, as Kafka does. */
  groups?(): Iterable<string>;
}
