// SaslAuthenticate (key 36), v0-v1: one SASL token each way. A failure answers
// SASL_AUTHENTICATION_FAILED with a message, then closes the connection (as Kafka does).
import type { SaslAuthenticateRequest, SaslAuthenticateResponse } from "../../../runtime/kafka/apis/saslAuthenticate/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, respondThenClose, type KafkaHandler, type RequestContext } from "../context.ts";
import { saslStep, SaslFailure } from "../sasl/authenticator.ts";

const none = new Uint8Array(0);

export const saslAuthenticateHandler: KafkaHandler = async (ctx: RequestContext<SaslAuthenticateRequest>) => {
  const state = ctx.connection;
  if (state.authenticated || state.saslMechanism === null || state.rawSaslTokens) {
    const body: SaslAuthenticateResponse = { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: "SaslAuthenticate outside a SaslHandshake v1 exchange", authBytes: none, sessionLifetimeMs: 0 };
    return respondThenClose(body, "SaslAuthenticate in the wrong SASL state");
  }
  try {
    const step = await saslStep(ctx.parts.sasl!, state, ctx.body.authBytes);
    if (step.done) {
      state.authenticated = true;
      ctx.parts.logger.info(`Kafka client ${state.remoteAddress} authenticated as ${state.principal} with ${state.saslMechanism}`);
    }
    return respond({ errorCode: 0, errorMessage: null, authBytes: step.response, sessionLifetimeMs: 0 } satisfies SaslAuthenticateResponse);
  } catch (err) {
    if (!(err instanceof SaslFailure)) throw err;
    ctx.parts.logger.warn(`SASL ${state.saslMechanism} authentication from ${state.remoteAddress} failed: ${err.message}; check the client's user and password`);
    const body: SaslAuthenticateResponse = { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: err.message, authBytes: none, sessionLifetimeMs: 0 };
    return respondThenClose(body, `SASL authentication failed: ${err.message}`);
  }
};
