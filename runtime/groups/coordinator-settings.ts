// The group coordinator's bounds and timings. Every map fed by the network (groups, members,
// members waiting for their id) has a bound here; the timings follow Kafka's broker defaults.
import assert from "node:assert";
import { groupsDefaults, type GroupsConfig } from "../config/schema.ts";

/** The settings are the config section `groups` (runtime/config/schema.ts documents each). */
export type GroupCoordinatorSettings = GroupsConfig;

export const groupCoordinatorDefaults: Readonly<GroupCoordinatorSettings> = groupsDefaults;

export function groupCoordinatorSettings(overrides: Partial<GroupCoordinatorSettings> = {}): GroupCoordinatorSettings {
  const s = { ...groupCoordinatorDefaults, ...overrides };
  assert(s.groupCountMax >= 1, "groupCountMax must allow at least one group");
  assert(s.memberCountMax >= 1, "memberCountMax must allow at least one member");
  assert(s.sessionTimeoutMsMin <= s.sessionTimeoutMsMax, "session timeout range must not be empty");
  assert(s.initialRebalanceDelayMs >= 0, "initialRebalanceDelayMs must not be negative");
  return s;
}
