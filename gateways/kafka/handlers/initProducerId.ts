// InitProducerId (key 22), v0-v1: a new producer id with epoch 0 for an idempotent producer
// (transactional_id null); with a transactional id, the transaction coordinator's id and next
// epoch, which fences the previous holder of that id. With ACLs a transactional id needs WRITE
// (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED). An idempotent producer needs nothing more here:
// each Produce is checked for topic WRITE (Kafka 3's rule, KIP-679, asks WRITE on some topic).
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../../runtime/kafka/apis/initProducerId/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized } from "../authz/check.ts";

export const initProducerIdHandler: KafkaHandler = async (ctx: RequestContext<InitProducerIdRequest>) => {
  const fail = (errorCode: number): InitProducerIdResponse => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
  if (ctx.body.transactionalId !== null) {
    const coordinator = ctx.parts.transactions;
    if (!authorized(ctx, "transactional-id", ctx.body.transactionalId, "WRITE")) return respond(fail(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
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
