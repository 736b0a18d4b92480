// LeaveGroup (key 13): one member (v0–2) or a list of members (v3+, KIP-345) leave a group.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface LeaveGroupRequest {
  groupId: string;
  /** v0–2. */
  memberId?: string;
  /** v3+. */
  members?: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupResponse {
  throttleTimeMs?: number;
  errorCode: number;
  /** v3+. */
  members?: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export const leaveGroupVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
