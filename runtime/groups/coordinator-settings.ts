// The group coordinator's bounds and timings. Every map fed by the network (groups, members,
// members waiting for their id) has a bound here; the timings follow Kafka's broker defaults.
import assert from "node:assert";

export interface GroupCoordinatorSettings {
  /** Groups with live members held in memory; past it new groups get COORDINATOR_NOT_AVAILABLE. */
  groupCountMax: number;
  /** Members (joined or waiting with a MEMBER_ID_REQUIRED id) per group; Kafka's group.max.size. */
  memberCountMax: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** Kafka's group.initial.rebalance.delay.ms: a new group waits this long for more members. */
  initialRebalanceDelayMs: number;
  /** Kafka's offset.metadata.max.bytes: longer commit metadata gets OFFSET_METADATA_TOO_LARGE. */
  offsetMetadataBytesMax: number;
}

export const groupCoordinatorDefaults: GroupCoordinatorSettings = {
  groupCountMax: 10_000,
  memberCountMax: 1_000,
  sessionTimeoutMsMin: 6_000,
  sessionTimeoutMsMax: 1_800_000,
  initialRebalanceDelayMs: 3_000,
  offsetMetadataBytesMax: 4_096,
};

export function groupCoordinatorSettings(overrides: Partial<GroupCoordinatorSettings> = {}): GroupCoordinatorSettings {
  const s = { ...groupCoordinatorDefaults, ...overrides };
  assert(s.groupCountMax >= 1, "groupCountMax must allow at least one group");
  assert(s.memberCountMax >= 1, "memberCountMax must allow at least one member");
  assert(s.sessionTimeoutMsMin <= s.sessionTimeoutMsMax, "session timeout range must not be empty");
  assert(s.initialRebalanceDelayMs >= 0, "initialRebalanceDelayMs must not be negative");
  return s;
}
