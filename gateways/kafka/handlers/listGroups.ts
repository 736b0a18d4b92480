// ListGroups (key 16): the groups this coordinator holds (those with members); with ACLs, only
// those the principal may DESCRIBE (as Kafka).
import type { ListGroupsResponse } from "../../../runtime/kafka/apis/listGroups/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler } from "../context.ts";
import { authorized } from "../authz/check.ts";

export const listGroupsHandler: KafkaHandler = async (ctx) => {
  const groups = ctx.parts.groups;
  const body: ListGroupsResponse = groups
    ? { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.listGroups().filter((g) => authorized(ctx, "group", g.groupId, "DESCRIBE")).map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }
    : { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
  return respond(body);
};
