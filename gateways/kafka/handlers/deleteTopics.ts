// DeleteTopics (key 20), v0-v3. With ACLs, a topic needs DELETE, else TOPIC_AUTHORIZATION_FAILED.
import type { DeleteTopicsRequest, DeleteTopicsResponse } from "../../../runtime/kafka/apis/deleteTopics/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized } from "../authz/check.ts";

export const deleteTopicsHandler: KafkaHandler = async (ctx: RequestContext<DeleteTopicsRequest>) => {
  const responses = [];
  for (const name of ctx.body.topicNames) {
    if (!authorized(ctx, "topic", name, "DELETE")) {
      responses.push({ name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
      continue;
    }
    try {
      if (!(await ctx.parts.log.describeTopic(name))) {
        responses.push({ name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
        continue;
      }
      await ctx.parts.log.deleteTopic(name);
      ctx.parts.logger.info(`deleted topic ${name} for ${ctx.connection.remoteAddress}`);
      responses.push({ name, errorCode: 0 });
    } catch (err) {
      responses.push({ name, errorCode: kafkaCodeOf(err, ctx.parts.logger, `DeleteTopics ${name}`).code });
    }
  }
  const response: DeleteTopicsResponse = { throttleTimeMs: 0, responses };
  return respond(response);
};
