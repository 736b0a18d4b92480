// LeaveGroup (key 13): v0–2 name one member and get one error code; v3+ name a list and get
// a code per member (KIP-345).
import type { LeaveGroupRequest, LeaveGroupResponse } from "../../../runtime/kafka/apis/leaveGroup/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

const memberListFrom = 3;

export const leaveGroupHandler: KafkaHandler = async (ctx: RequestContext<LeaveGroupRequest>) => {
  const req = ctx.body;
  const listed = ctx.header.apiVersion >= memberListFrom;
  const leaving = listed ? req.members ?? [] : [{ memberId: req.memberId ?? "", groupInstanceId: null }];
  const groups = ctx.parts.groups;
  const refused = !authorized(ctx, "group", req.groupId, "READ");
  if (!groups || refused) {
    const body: LeaveGroupResponse = { throttleTimeMs: 0, errorCode: refused ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    return respond(body);
  }
  const out = groups.leaveGroup(req.groupId, leaving);
  // v0–2 have no per-member list: the one member's outcome is the answer.
  const errorCode = listed || out.errorCode !== ErrorCode.NONE ? out.errorCode : out.members[0]?.errorCode ?? ErrorCode.NONE;
  const body: LeaveGroupResponse = { throttleTimeMs: 0, errorCode, members: out.members };
  return respond(body);
};
