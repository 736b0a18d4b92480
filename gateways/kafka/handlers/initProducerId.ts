// InitProducerId (key 22), v0-v1: a new producer id with epoch 0 for an idempotent producer
// (transactional_id null); with a transactional id, the transaction coordinator's id and next
// epoch, which fences the previous holder of that id.
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../../runtime/kafka/apis/initProducerId/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";

export const initProducerIdHandler: KafkaHandler = async (ctx: RequestContext<InitProducerIdRequest>) => {
  const fail = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  if (ctx.body.transactionalId !== null) {
    const coordinator = ctx.parts.transactions;
    if (!coordinator) return respond(fail(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    try {
      const r = await coordinator.initProducer(ctx.body.transactionalId, ctx.body.transactionTimeoutMs);
      return respond({ throttleTimeMs: 0, ...r } satisfies InitProducerIdResponse);
    } catch (err) {
      return respond(fail(kafkaCodeOf(err, ctx.parts.logger, "InitProducerId").code));
    }
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
