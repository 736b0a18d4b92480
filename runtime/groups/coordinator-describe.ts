// DescribeGroups and ListGroups: read-only views of the coordinator's groups.
import { ErrorCode } from "../kafka/errors.ts";
import type { GroupState } from "./coordinator-group.ts";
import { type DescribedGroup, type ListedGroup } from "./coordinator-types.ts";

const noBytes = new Uint8Array(0);

/** A group the coordinator does not hold is Empty when it has committed offsets, else Dead,
 * with no error, as Kafka reports them. */
export function describeGroup(groupId: string, group: GroupState | undefined, hasOffsets: boolean): DescribedGroup {
  if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, groupId, state: "Dead", protocolType: "", protocolName: "", members: [] };
  if (!group) return { errorCode: ErrorCode.NONE, groupId, state: hasOffsets ? "Empty" : "Dead", protocolType: "", protocolName: "", members: [] };
  // Member metadata and assignments are shown only once they are settled (Stable), as in Kafka.
  const stable = group.state === "Stable";
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    state: group.state,
    protocolType: group.protocolType ?? "",
    protocolName: stable ? group.protocolName ?? "" : "",
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: stable ? m.metadataFor(group.protocolName!) : noBytes,
      assignment: stable ? m.assignment : noBytes,
    })),
  };
}

/** Groups with members, then groups known only by their committed offsets (Empty). */
export function listGroups(groups: ReadonlyMap<string, GroupState>, withOffsets: Iterable<string>): ListedGroup[] {
  const out: ListedGroup[] = [...groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? "", state: g.state }));
  for (const groupId of withOffsets) {
    if (!groups.has(groupId)) out.push({ groupId, protocolType: "", state: "Empty" });
  }
  return out;
}
