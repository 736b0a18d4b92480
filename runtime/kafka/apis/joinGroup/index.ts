// JoinGroup (key 11): a member joins (or rejoins) a consumer group and waits for the rebalance.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** v1+; v0 uses the session timeout. */
  rebalanceTimeoutMs?: number;
  memberId: string;
  /** v5+. */
  groupInstanceId?: string | null;
  protocolType: string;
  protocols: { name: string; metadata: Uint8Array }[];
}

export interface JoinGroupResponse {
  throttleTimeMs?: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: { memberId: string; groupInstanceId?: string | null; metadata: Uint8Array }[];
}

export const joinGroupVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 };
