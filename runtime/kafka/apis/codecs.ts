// apiKey -> the schemas of each version ledge can encode and decode. One line per API folder.
import type { SchemasByVersion, MessageVersion } from "./schemas.ts";
import { apiVersionsVersions } from "./apiVersions/index.ts";
import { produceVersions } from "./produce/index.ts";
import { fetchVersions } from "./fetch/index.ts";
import { listOffsetsVersions } from "./listOffsets/index.ts";
import { metadataVersions } from "./metadata/index.ts";
import { initProducerIdVersions } from "./initProducerId/index.ts";
import { createTopicsVersions } from "./createTopics/index.ts";
import { deleteTopicsVersions } from "./deleteTopics/index.ts";
import { describeConfigsVersions } from "./describeConfigs/index.ts";
import { saslHandshakeVersions } from "./saslHandshake/index.ts";
import { saslAuthenticateVersions } from "./saslAuthenticate/index.ts";
import { findCoordinatorVersions } from "./findCoordinator/index.ts";
import { joinGroupVersions } from "./joinGroup/index.ts";
import { syncGroupVersions } from "./syncGroup/index.ts";
import { heartbeatVersions } from "./heartbeat/index.ts";
import { leaveGroupVersions } from "./leaveGroup/index.ts";
import { offsetCommitVersions } from "./offsetCommit/index.ts";
import { offsetFetchVersions } from "./offsetFetch/index.ts";
import { describeGroupsVersions } from "./describeGroups/index.ts";
import { listGroupsVersions } from "./listGroups/index.ts";
import { addPartitionsToTxnVersions } from "./addPartitionsToTxn/index.ts";
import { endTxnVersions } from "./endTxn/index.ts";
import { addOffsetsToTxnVersions } from "./addOffsetsToTxn/index.ts";
import { txnOffsetCommitVersions } from "./txnOffsetCommit/index.ts";
import { describeTransactionsVersions } from "./describeTransactions/index.ts";
import { listTransactionsVersions } from "./listTransactions/index.ts";
import { describeAclsVersions } from "./describeAcls/index.ts";

const codecs = new Map<number, SchemasByVersion>([
  [0, produceVersions],
  [1, fetchVersions],
  [2, listOffsetsVersions],
  [3, metadataVersions],
  [17, saslHandshakeVersions],
  [18, apiVersionsVersions],
  [19, createTopicsVersions],
  [20, deleteTopicsVersions],
  [22, initProducerIdVersions],
  [24, addPartitionsToTxnVersions],
  [25, addOffsetsToTxnVersions],
  [26, endTxnVersions],
  [28, txnOffsetCommitVersions],
  [29, describeAclsVersions],
  [32, describeConfigsVersions],
  [36, saslAuthenticateVersions],
  [8, offsetCommitVersions],
  [9, offsetFetchVersions],
  [10, findCoordinatorVersions],
  [11, joinGroupVersions],
  [12, heartbeatVersions],
  [13, leaveGroupVersions],
  [14, syncGroupVersions],
  [15, describeGroupsVersions],
  [16, listGroupsVersions],
  [65, describeTransactionsVersions],
  [66, listTransactionsVersions],
]);

/** The schemas of (apiKey, version), or undefined when ledge has no codec for it. */
export function messageVersion(apiKey: number, version: number): MessageVersion | undefined {
  return codecs.get(apiKey)?.[version];
}

/** Versions with a codec, for the table test. */
export function codecVersions(apiKey: number): number[] {
  return Object.keys(codecs.get(apiKey) ?? {}).map(Number).sort((a, b) => a - b);
}
