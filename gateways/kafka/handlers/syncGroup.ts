// SyncGroup (key 14): the leader's assignments go in; each member's own comes back, held
// until the leader has sent them (runtime/groups/coordinator.ts).
import type { SyncGroupRequest, SyncGroupResponse } from "../../../runtime/kafka/apis/syncGroup/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

export const syncGroupHandler: KafkaHandler = async (ctx: RequestContext<SyncGroupRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  const refused = !authorized(ctx, "group", req.groupId, "READ");
  if (!groups || refused) {
    const body: SyncGroupResponse = { throttleTimeMs: 0, errorCode: refused ? ErrorCode.GROUP_AUTHORIZATION_FAILED : ErrorCode.COORDINATOR_NOT_AVAILABLE, assignment: new Uint8Array(0) };
    return respond(body);
  }
  const out = await groups.syncGroup({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: req.groupInstanceId ?? null,
    assignments: req.assignments,
  });
  const body: SyncGroupResponse = { throttleTimeMs: 0, errorCode: out.errorCode, assignment: out.assignment };
  return respond(body);
};
