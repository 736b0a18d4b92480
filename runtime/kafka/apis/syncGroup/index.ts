// SyncGroup (key 14): the leader hands in assignments; every member receives its own.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v3+. */
  groupInstanceId?: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface SyncGroupResponse {
  throttleTimeMs?: number;
  errorCode: number;
  assignment: Uint8Array;
}

export const syncGroupVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
