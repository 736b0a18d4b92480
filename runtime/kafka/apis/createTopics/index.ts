// CreateTopics (key 19).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";

export interface CreateTopicsRequest {
  topics: {
    name: string;
    numPartitions: number;
    replicationFactor: number;
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }[];
  timeoutMs: number;
  validateOnly?: boolean;
}

export interface CreateTopicsResponse {
  throttleTimeMs?: number;
  topics: { name: string; errorCode: number; errorMessage?: string | null }[];
}

export const createTopicsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 };
