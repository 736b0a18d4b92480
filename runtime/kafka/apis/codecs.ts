// apiKey -> the schemas of each version ledge can encode and decode. One line per API folder.
import type { ApiVersionsMap, MessageVersion } from "./message.ts";
import { apiVersionsVersions } from "./apiVersions/index.ts";
import { findCoordinatorVersions } from "./findCoordinator/index.ts";
import { joinGroupVersions } from "./joinGroup/index.ts";
import { syncGroupVersions } from "./syncGroup/index.ts";
import { heartbeatVersions } from "./heartbeat/index.ts";
import { leaveGroupVersions } from "./leaveGroup/index.ts";
import { offsetCommitVersions } from "./offsetCommit/index.ts";
import { offsetFetchVersions } from "./offsetFetch/index.ts";
import { describeGroupsVersions } from "./describeGroups/index.ts";
import { listGroupsVersions } from "./listGroups/index.ts";

const codecs = new Map<number, ApiVersionsMap>([
  [18, apiVersionsVersions],
  [8, offsetCommitVersions],
  [9, offsetFetchVersions],
  [10, findCoordinatorVersions],
  [11, joinGroupVersions],
  [12, heartbeatVersions],
  [13, leaveGroupVersions],
  [14, syncGroupVersions],
  [15, describeGroupsVersions],
  [16, listGroupsVersions],
]);

/** The schemas of (apiKey, version), or undefined when ledge has no codec for it. */
export function messageVersion(apiKey: number, version: number): MessageVersion | undefined {
  return codecs.get(apiKey)?.[version];
}

export function hasCodec(apiKey: number): boolean {
  return codecs.has(apiKey);
}
