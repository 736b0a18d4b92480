// DeleteTopics (key 20).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponse {
  throttleTimeMs?: number;
  responses: { name: string; errorCode: number }[];
}

export const deleteTopicsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
