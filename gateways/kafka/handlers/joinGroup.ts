// JoinGroup (key 11): held until the group's join phase ends (runtime/groups/coordinator.ts).
// v4+ first joins get MEMBER_ID_REQUIRED with an id to rejoin with; v0 has no rebalance
// timeout, so the session timeout stands in for it, as in Kafka. With ACLs it needs READ on the
// group (else GROUP_AUTHORIZATION_FAILED), as do SyncGroup, Heartbeat and LeaveGroup.
import type { JoinGroupRequest, JoinGroupResponse } from "../../../runtime/kafka/apis/joinGroup/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

const memberIdRequiredFrom = 4;

/** "/host" as Kafka reports a member's client host (DescribeGroups). */
export function clientHostOf(remoteAddress: string): string {
  const at = remoteAddress.lastIndexOf(":");
  return `/${at > 0 ? remoteAddress.slice(0, at) : remoteAddress}`;
}

export const joinGroupHandler: KafkaHandler = async (ctx: RequestContext<JoinGroupRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  const refused = !authorized(ctx, "group", req.groupId, "READ");
  if (!groups || refused) {
    const body: JoinGroupResponse = {
      throttleTimeMs: 0, errorCode: refused ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.COORDINATOR_NOT_AVAILABLE, generationId: -1,
      protocolName: "", leader: "", memberId: req.memberId, members: [],
    };
    return respond(body);
  }
  const out = await groups.joinGroup({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    sessionTimeoutMs: req.sessionTimeoutMs,
    rebalanceTimeoutMs: req.rebalanceTimeoutMs ?? req.sessionTimeoutMs,
    protocolType: req.protocolType,
    protocols: req.protocols,
    requireKnownMemberId: ctx.header.apiVersion >= memberIdRequiredFrom,
    clientId: ctx.header.clientId ?? "",
    clientHost: clientHostOf(ctx.connection.remoteAddress),
  });
  const body: JoinGroupResponse = {
    throttleTimeMs: 0,
    errorCode: out.errorCode,
    generationId: out.generationId,
    protocolName: out.protocolName ?? "",
    leader: out.leader,
    memberId: out.memberId,
    members: out.members,
  };
  return respond(body);
};
