// DescribeGroups (key 15): state, protocol and members of named groups (admin tools).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";

export interface DescribeGroupsRequest {
  groups: string[];
  /** v3+. */
  includeAuthorizedOperations?: boolean;
}

export interface DescribeGroupsResponse {
  throttleTimeMs?: number;
  groups: {
    errorCode: number;
    groupId: string;
    groupState: string;
    protocolType: string;
    protocolData: string;
    members: {
      memberId: string;
      /** v4+. */
      groupInstanceId?: string | null;
      clientId: string;
      clientHost: string;
      memberMetadata: Uint8Array;
      memberAssignment: Uint8Array;
    }[];
    /** v3+. */
    authorizedOperations?: number;
  }[];
}

export const describeGroupsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 };
