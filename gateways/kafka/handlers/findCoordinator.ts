// FindCoordinator (key 10): ledge is a single broker, so it coordinates every group itself.
// Transactions (key type 1) are not supported: COORDINATOR_NOT_AVAILABLE says so.
import type { FindCoordinatorRequest, FindCoordinatorResponse } from "../../../runtime/kafka/apis/findCoordinator/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { advertisedBroker } from "./metadata.ts";

const groupKeyType = 0;

export const findCoordinatorHandler: KafkaHandler = async (ctx: RequestContext<FindCoordinatorRequest>) => {
  const keyType = ctx.body.keyType ?? groupKeyType;
  // The advertised address, as in Metadata: behind NAT or a proxy the bound port is unreachable.
  const here = advertisedBroker(ctx.parts);
  if (keyType !== groupKeyType || !ctx.parts.groups) {
    const body: FindCoordinatorResponse = {
      throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
      errorMessage: keyType !== groupKeyType ? `ledge has no transaction coordinator (key type ${keyType})` : "this listener has no group coordinator",
      nodeId: -1, host: "", port: -1,
    };
    return respond(body);
  }
  const body: FindCoordinatorResponse = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, ...here };
  return respond(body);
};
