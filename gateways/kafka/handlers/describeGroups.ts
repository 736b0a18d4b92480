// DescribeGroups (key 15): state, protocol and members per group; an unknown group is Dead.
// With ACLs, a group the principal may not DESCRIBE gets GROUP_AUTHORIZATION_FAILED (the others are described).
import type { DescribeGroupsRequest, DescribeGroupsResponse } from "../../../runtime/kafka/apis/describeGroups/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

export const describeGroupsHandler: KafkaHandler = async (ctx: RequestContext<DescribeGroupsRequest>) => {
  const groups = ctx.parts.groups;
  const failed = (groupId: string, errorCode: number) => ({ errorCode, groupId, state: "Dead", protocolType: "", protocolName: "", members: [] });
  const allowed = ctx.body.groups.filter((g) => authorized(ctx, "group", g, "DESCRIBE"));
  const found = groups ? groups.describeGroups(allowed) : allowed.map((g) => failed(g, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  let next = 0;
  const described = ctx.body.groups.map((g) => allowed[next] === g ? found[next++] : failed(g, ErrorCode.GROUP_AUTHORIZATION_FAILED));
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
