// ListOffsets (key 2): earliest, latest, or first offset at a timestamp.
import type { SchemasByVersion } from "../schemas.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";

export const latestTimestamp = -1;
export const earliestTimestamp = -2;

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel?: number;
  topics: { name: string; partitions: { partitionIndex: number; currentLeaderEpoch?: number; timestamp: number }[] }[];
}

export interface ListOffsetsPartitionResponse {
  partitionIndex: number;
  errorCode: number;
  timestamp: number;
  offset: number;
  leaderEpoch?: number;
}

export interface ListOffsetsResponse {
  throttleTimeMs?: number;
  topics: { name: string; partitions: ListOffsetsPartitionResponse[] }[];
}

export const listOffsetsVersions: SchemasByVersion = { 1: v1, 2: v2, 3: v3, 4: v4, 5: v5 };
