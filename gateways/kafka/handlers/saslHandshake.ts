// SaslHandshake (key 17), v0-v1, on SASL listeners only: picks the mechanism. After v0 the
// client sends raw length-prefixed tokens (kafka-python 2.0.2); after v1 it uses
// SaslAuthenticate. An unknown mechanism gets UNSUPPORTED_SASL_MECHANISM and our list.
import type { SaslHandshakeRequest, SaslHandshakeResponse } from "../../../runtime/kafka/apis/saslHandshake/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";

export const saslHandshakeHandler: KafkaHandler = async (ctx: RequestContext<SaslHandshakeRequest>) => {
  const sasl = ctx.parts.sasl!;
  const mechanisms = [...sasl.mechanisms];
  const state = ctx.connection;
  if (state.authenticated || state.saslMechanism !== null) {
    return respond({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms } satisfies SaslHandshakeResponse);
  }
  if (!(mechanisms as string[]).includes(ctx.body.mechanism)) {
    ctx.parts.logger.warn(`SASL mechanism ${JSON.stringify(ctx.body.mechanism)} asked by ${state.remoteAddress} is not enabled; offered ${mechanisms.join(", ")} (listeners.kafka.sasl.mechanisms)`);
    return respond({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms } satisfies SaslHandshakeResponse);
  }
  state.saslMechanism = ctx.body.mechanism;
  state.rawSaslTokens = ctx.header.apiVersion === 0;
  return respond({ errorCode: 0, mechanisms } satisfies SaslHandshakeResponse);
};
