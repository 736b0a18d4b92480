// DescribeAcls (key 29): the ACLs matching a filter, for operators (kafka-acls --list, kafkajs
// admin.describeAcls). v0-v1 (v2 is the first flexible one). The numeric codes are Kafka's
// (org.apache.kafka.common.resource.ResourceType, PatternType; common.acl.AclOperation,
// AclPermissionType).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";

export const AclResourceType = { any: 1, topic: 2, group: 3, cluster: 4, transactionalId: 5 } as const;
export const AclPatternType = { any: 1, match: 2, literal: 3, prefixed: 4 } as const;
export const AclOperationCode = {
  any: 1, ALL: 2, READ: 3, WRITE: 4, CREATE: 5, DELETE: 6, ALTER: 7, DESCRIBE: 8,
  CLUSTER_ACTION: 9, DESCRIBE_CONFIGS: 10, ALTER_CONFIGS: 11, IDEMPOTENT_WRITE: 12,
} as const;
export const AclPermissionCode = { any: 1, deny: 2, allow: 3 } as const;

export interface DescribeAclsRequest {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  /** v1+; v0 asks for literal patterns only. */
  patternTypeFilter?: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

export interface DescribeAclsResource {
  resourceType: number;
  resourceName: string;
  /** v1+ */
  patternType?: number;
  acls: { principal: string; host: string; operation: number; permissionType: number }[];
}

export interface DescribeAclsResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  resources: DescribeAclsResource[];
}

export const describeAclsVersions: SchemasByVersion = { 0: v0, 1: v1 };
