// Heartbeat (key 12): a member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+. */
  groupInstanceId?: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs?: number;
  errorCode: number;
}

export const heartbeatVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
