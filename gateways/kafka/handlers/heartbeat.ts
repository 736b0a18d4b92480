// Heartbeat (key 12): keeps a member's session alive; REBALANCE_IN_PROGRESS asks it to rejoin.
import type { HeartbeatRequest, HeartbeatResponse } from "../../../runtime/kafka/apis/heartbeat/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

export const heartbeatHandler: KafkaHandler = async (ctx: RequestContext<HeartbeatRequest>) => {
  const groups = ctx.parts.groups;
  const errorCode = !authorized(ctx, "group", ctx.body.groupId, "READ") ? ErrorCode.GROUP_AUTHORIZATION_FAILED
    : groups
    ? groups.heartbeat({ groupId: ctx.body.groupId, generationId: ctx.body.generationId, memberId: ctx.body.memberId })
    : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const body: HeartbeatResponse = { throttleTimeMs: 0, errorCode };
  return respond(body);
};
