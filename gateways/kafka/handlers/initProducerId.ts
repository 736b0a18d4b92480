// InitProducerId (key 22), v0-v1: a new producer id with epoch 0 for an idempotent producer
// (transactional_id null). Transactions are not supported: a transactional id is refused.
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../../runtime/kafka/apis/initProducerId/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";

export const initProducerIdHandler: KafkaHandler = async (ctx: RequestContext<InitProducerIdRequest>) => {
  const fail = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  if (ctx.body.transactionalId !== null) {
    ctx.parts.logger.warn(`InitProducerId from ${ctx.connection.remoteAddress} asked for transactional id ` +
      `${JSON.stringify(ctx.body.transactionalId)}; ledge supports idempotent producers only, so configure the client without transactions`);
    return respond(fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
  }
  try {
    const id = await ctx.parts.log.allocateProducerId();
    const producerId = typeof id === "number" ? id : id.producerId;
    const producerEpoch = typeof id === "number" ? 0 : id.producerEpoch ?? 0;
    const response: InitProducerIdResponse = { throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch };
    return respond(response);
  } catch (err) {
    return respond(fail(kafkaCodeOf(err, ctx.parts.logger, "InitProducerId").code));
  }
};
