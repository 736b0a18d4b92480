// FindCoordinator (key 10): which broker coordinates a group (key type 0) or a transaction (1).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";

export interface FindCoordinatorRequest {
  key: string;
  /** v1+: 0 = group, 1 = transaction. v0 asks for groups only. */
  keyType?: number;
}

export interface FindCoordinatorResponse {
  throttleTimeMs?: number;
  errorCode: number;
  errorMessage?: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export const findCoordinatorVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2 };
