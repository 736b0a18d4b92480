// FindCoordinator (key 10): ledge is a single broker, so it coordinates every group (key type 0)
// and every transactional id (key type 1) itself. With ACLs, finding a group's coordinator needs
// DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED), a transactional id's DESCRIBE on
// the id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), as Kafka.
import type { FindCoordinatorRequest, FindCoordinatorResponse } from "../../../runtime/kafka/apis/findCoordinator/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { advertisedBroker } from "./metadata.ts";
import { authorized } from "../authz/check.ts";

const groupKeyType = 0;
const transactionKeyType = 1;

export const findCoordinatorHandler: KafkaHandler = async (ctx: RequestContext<FindCoordinatorRequest>) => {
  const keyType = ctx.body.keyType ?? groupKeyType;
  // The advertised address, as in Metadata: behind NAT or a proxy the bound port is unreachable.
  const here = advertisedBroker(ctx.parts);
  const refused = keyType === groupKeyType ? !authorized(ctx, "group", ctx.body.key, "DESCRIBE") && ErrorCode.GROUP_AUTHORIZATION_FAILED
    : keyType === transactionKeyType && !authorized(ctx, "transactional-id", ctx.body.key, "DESCRIBE") && ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  if (refused) {
    // Kafka's words, which librdkafka prints as they are.
    const errorMessage = keyType === groupKeyType ? `Not authorized to access group: ${ctx.body.key}` : `Not authorized to access transactional id: ${ctx.body.key}`;
    const body: FindCoordinatorResponse = { throttleTimeMs: 0, errorCode: refused, errorMessage, nodeId: -1, host: "", port: -1 };
    return respond(body);
  }
  const problem = keyType === groupKeyType ? (ctx.parts.groups ? null : "this listener has no group coordinator")
    : keyType === transactionKeyType ? (ctx.parts.transactions ? null : "this listener has no transaction coordinator")
    : `unknown coordinator key type ${keyType}`;
  if (problem) {
    const errorCode = keyType === groupKeyType || keyType === transactionKeyType ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST;
    const body: FindCoordinatorResponse = { throttleTimeMs: 0, errorCode, errorMessage: problem, nodeId: -1, host: "", port: -1 };
    return respond(body);
  }
  const body: FindCoordinatorResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...here };
  return respond(body);
};
