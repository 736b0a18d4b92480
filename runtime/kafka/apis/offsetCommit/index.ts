// OffsetCommit (key 8): a group member stores its consumed positions.
import type { SchemasByVersion } from "../schemas.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";
import * as v6 from "./v6.ts";
import * as v7 from "./v7.ts";

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  /** v7+. */
  groupInstanceId?: string | null;
  /** v2–4; ignored (retention is the broker's). */
  retentionTimeMs?: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      /** v6+. */
      committedLeaderEpoch?: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export interface OffsetCommitResponse {
  throttleTimeMs?: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const offsetCommitVersions: SchemasByVersion = { 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7 };
