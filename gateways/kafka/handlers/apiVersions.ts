// ApiVersions (key 18): the ranges from apis/index.ts, SASL APIs only on SASL listeners.
// A request above our maximum gets a v0 body with UNSUPPORTED_VERSION (the dispatcher
// answers that case, since its body may not be parseable).
import { apiTable } from "../../../runtime/kafka/apis/index.ts";
import type { ApiKeyRange, ApiVersionsResponse } from "../../../runtime/kafka/apis/apiVersions/index.ts";
import { respond, type KafkaHandler } from "../context.ts";

/** What ledge advertises: the table rows that have a handler (SASL rows only with SASL). */
export function advertisedRanges(handled: (apiKey: number) => boolean, sasl: boolean): ApiKeyRange[] {
  return apiTable
    .filter((row) => handled(row.apiKey) && (sasl || !row.saslOnly))
    .map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
}

export function apiVersionsHandler(handled: (apiKey: number) => boolean): KafkaHandler {
  return async (ctx) => {
    const body: ApiVersionsResponse = {
      errorCode: 0,
      apiKeys: advertisedRanges(handled, ctx.parts.listener.sasl !== undefined),
      throttleTimeMs: 0,
    };
    return respond(body);
  };
}
