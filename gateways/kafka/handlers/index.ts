// The one dispatch table: apiKey -> handler. Everything a request must pass before a handler
// sees it is checked here, in this order: header present, API known, version advertised,
// SASL done (on SASL listeners), body parses. A failure closes that connection only, as
// Kafka does, except ApiVersions above our maximum, which gets a v0 error body.
import { apiRow, ApiKey } from "../../../runtime/kafka/apis/index.ts";
import { decodeRequest, encodeResponse } from "../../../runtime/kafka/protocol/request-response.ts";
import { peekRequestKey } from "../../../runtime/kafka/protocol/headers.ts";
import { KafkaCodecError } from "../../../runtime/kafka/protocol/reader.ts";
import type { Writer } from "../../../runtime/kafka/protocol/writer.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import type { ConnectionState, GatewayParts, KafkaHandler } from "../context.ts";
import { apiVersionsHandler, advertisedRanges } from "./apiVersions.ts";
import { metadataHandler } from "./metadata.ts";
import { produceHandler } from "./produce.ts";
import { fetchHandler } from "./fetch.ts";
import { listOffsetsHandler } from "./listOffsets.ts";
import { initProducerIdHandler } from "./initProducerId.ts";
import { createTopicsHandler } from "./createTopics.ts";
import { deleteTopicsHandler } from "./deleteTopics.ts";
import { describeConfigsHandler } from "./describeConfigs.ts";
import { saslHandshakeHandler } from "./saslHandshake.ts";
import { saslAuthenticateHandler } from "./saslAuthenticate.ts";
import { findCoordinatorHandler } from "./findCoordinator.ts";
import { joinGroupHandler } from "./joinGroup.ts";
import { syncGroupHandler } from "./syncGroup.ts";
import { heartbeatHandler } from "./heartbeat.ts";
import { leaveGroupHandler } from "./leaveGroup.ts";
import { offsetCommitHandler } from "./offsetCommit.ts";
import { offsetFetchHandler } from "./offsetFetch.ts";
import { describeGroupsHandler } from "./describeGroups.ts";
import { listGroupsHandler } from "./listGroups.ts";
import { describeAclsHandler } from "./describeAcls.ts";
import { addOffsetsToTxnHandler, addPartitionsToTxnHandler, describeTransactionsHandler, endTxnHandler, listTransactionsHandler, txnOffsetCommitHandler } from "./transactions.ts";

const handlers = new Map<number, KafkaHandler>();
const handled = (apiKey: number) => handlers.has(apiKey);

handlers.set(ApiKey.ApiVersions, apiVersionsHandler(handled));
handlers.set(ApiKey.Metadata, metadataHandler);
handlers.set(ApiKey.Produce, produceHandler);
handlers.set(ApiKey.Fetch, fetchHandler);
handlers.set(ApiKey.ListOffsets, listOffsetsHandler);
handlers.set(ApiKey.InitProducerId, initProducerIdHandler);
handlers.set(ApiKey.CreateTopics, createTopicsHandler);
handlers.set(ApiKey.DeleteTopics, deleteTopicsHandler);
handlers.set(ApiKey.DescribeConfigs, describeConfigsHandler);
handlers.set(ApiKey.SaslHandshake, saslHandshakeHandler);
handlers.set(ApiKey.SaslAuthenticate, saslAuthenticateHandler);
handlers.set(ApiKey.FindCoordinator, findCoordinatorHandler);
handlers.set(ApiKey.JoinGroup, joinGroupHandler);
handlers.set(ApiKey.SyncGroup, syncGroupHandler);
handlers.set(ApiKey.Heartbeat, heartbeatHandler);
handlers.set(ApiKey.LeaveGroup, leaveGroupHandler);
handlers.set(ApiKey.OffsetCommit, offsetCommitHandler);
handlers.set(ApiKey.OffsetFetch, offsetFetchHandler);
handlers.set(ApiKey.DescribeGroups, describeGroupsHandler);
handlers.set(ApiKey.ListGroups, listGroupsHandler);
handlers.set(ApiKey.DescribeAcls, describeAclsHandler);
handlers.set(ApiKey.AddPartitionsToTxn, addPartitionsToTxnHandler);
handlers.set(ApiKey.AddOffsetsToTxn, addOffsetsToTxnHandler);
handlers.set(ApiKey.EndTxn, endTxnHandler);
handlers.set(ApiKey.TxnOffsetCommit, txnOffsetCommitHandler);
handlers.set(ApiKey.DescribeTransactions, describeTransactionsHandler);
handlers.set(ApiKey.ListTransactions, listTransactionsHandler);

export function hasHandler(apiKey: number): boolean {
  return handlers.has(apiKey);
}

export type Outcome =
  | { kind: "respond"; response: Writer; apiKey: number; thenClose?: string; release?: () => void }
  | { kind: "silent" }
  | { kind: "close"; reason: string };

const preAuthApis = new Set<number>([ApiKey.ApiVersions, ApiKey.SaslHandshake, ApiKey.SaslAuthenticate]);

function unsupportedApiVersions(correlationId: number, parts: GatewayParts): Outcome {
  const body = {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: advertisedRanges(handled, parts.listener.sasl !== undefined),
  };
  return { kind: "respond", response: encodeResponse(ApiKey.ApiVersions, 0, correlationId, body), apiKey: ApiKey.ApiVersions };
}

export async function dispatch(payload: Uint8Array, connection: ConnectionState, parts: GatewayParts, signal: AbortSignal): Promise<Outcome> {
  const key = peekRequestKey(payload);
  if (!key) return { kind: "close", reason: `request of ${payload.length} bytes is shorter than a request header` };
  const row = apiRow(key.apiKey);
  const handler = handlers.get(key.apiKey);
  if (!row || !handler) return { kind: "close", reason: `unknown or unsupported API key ${key.apiKey}; the client uses an API ledge does not serve (gateways/kafka/README.md lists them)` };
  if (key.apiKey === ApiKey.ApiVersions && key.apiVersion > row.maxVersion) return unsupportedApiVersions(key.correlationId, parts);
  if (key.apiVersion < row.minVersion || key.apiVersion > row.maxVersion) {
    return { kind: "close", reason: `${row.name} v${key.apiVersion} is outside the advertised v${row.minVersion}-v${row.maxVersion}; the client ignored ApiVersions: upgrade it or pin its API versions` };
  }
  if (row.saslOnly && parts.listener.sasl === undefined) return { kind: "close", reason: `${row.name} on a listener without SASL; configure the client without SASL, or set listeners.kafka.sasl` };
  if (!connection.authenticated && !preAuthApis.has(key.apiKey)) {
    return { kind: "close", reason: `${row.name} before SASL authentication completed; configure the client for SASL (listeners.kafka.sasl is set)` };
  }
  let request;
  try {
    request = decodeRequest(payload);
  } catch (err) {
    if (!(err instanceof KafkaCodecError)) throw err;
    return { kind: "close", reason: `${row.name} v${key.apiVersion} body does not parse (${err.message}); the client sent a malformed request` };
  }
  const result = await handler({ header: request.header, body: request.body, parts, connection, signal });
  if (result.kind !== "respond") return result;
  let response;
  try {
    response = encodeResponse(key.apiKey, key.apiVersion, key.correlationId, result.body);
  } catch (err) {
    result.release?.();
    throw err;
  }
  parts.requestCounts?.answered(key.apiKey, row.name, result.body);
  return { kind: "respond", apiKey: key.apiKey, response, thenClose: result.thenClose, release: result.release };
}
