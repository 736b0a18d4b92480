// ListGroups (key 16): every group this coordinator holds (admin tools).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";

export type ListGroupsRequest = Record<string, never>;

export interface ListGroupsResponse {
  throttleTimeMs?: number;
  errorCode: number;
  groups: { groupId: string; protocolType: string }[];
}

export const listGroupsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2 };
