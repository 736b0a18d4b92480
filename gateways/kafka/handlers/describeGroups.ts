// DescribeGroups (key 15): state, protocol and members per group; an unknown group is Dead.
import type { DescribeGroupsRequest, DescribeGroupsResponse } from "../../../runtime/kafka/apis/describeGroups/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";

export const describeGroupsHandler: KafkaHandler = async (ctx: RequestContext<DescribeGroupsRequest>) => {
  const groups = ctx.parts.groups;
  const described = groups
    ? groups.describeGroups(ctx.body.groups)
    : ctx.body.groups.map((groupId) => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupId, state: "Dead", protocolType: "", protocolName: "", members: [] }));
  const body: DescribeGroupsResponse = {
    throttleTimeMs: 0,
    groups: described.map((g) => ({
      errorCode: g.errorCode,
      groupId: g.groupId,
      groupState: g.state,
      protocolType: g.protocolType,
      protocolData: g.protocolName,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: m.metadata,
        memberAssignment: m.assignment,
      })),
    })),
  };
  return respond(body);
};
