// ListGroups (key 16): the groups this coordinator holds (those with members).
import type { ListGroupsResponse } from "../../../runtime/kafka/apis/listGroups/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler } from "../context.ts";

export const listGroupsHandler: KafkaHandler = async (ctx) => {
  const groups = ctx.parts.groups;
  const body: ListGroupsResponse = groups
    ? { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups: groups.listGroups().map((g) => ({ groupId: g.groupId, protocolType: g.protocolType })) }
    : { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
  return respond(body);
};
