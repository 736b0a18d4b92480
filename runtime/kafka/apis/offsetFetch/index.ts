// OffsetFetch (key 9): a group member reads the positions its group committed.
import type { SchemasByVersion } from "../schemas.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";

export interface OffsetFetchRequest {
  groupId: string;
  /** null (v2+) asks for every partition the group has committed. */
  topics: { name: string; partitionIndexes: number[] }[] | null;
}

export interface OffsetFetchResponse {
  throttleTimeMs?: number;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      /** v5+. */
      committedLeaderEpoch?: number;
      metadata: string | null;
      errorCode: number;
    }[];
  }[];
  /** v2+. */
  errorCode?: number;
}

export const offsetFetchVersions: SchemasByVersion = { 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 };
