// DescribeAcls (key 29), v0-v1: the configured ACLs (listeners.kafka.sasl.acls) that match the
// filter, grouped by resource, as kafka-acls --list and kafkajs admin.describeAcls expect. Only
// a principal with DESCRIBE on the cluster may ask (else CLUSTER_AUTHORIZATION_FAILED); without
// ACLs the answer is SECURITY_DISABLED, as from a Kafka broker with no authorizer. Filter
// matching follows Kafka's AclBindingFilter: ANY matches every value, a null name, principal or
// host matches all, pattern MATCH finds the rules that apply to the named resource (literal,
// the `*` wildcard, prefixes of it). v0 knows literal patterns only.
import type { DescribeAclsRequest, DescribeAclsResource, DescribeAclsResponse } from "../../../runtime/kafka/apis/describeAcls/index.ts";
import { AclOperationCode, AclPatternType, AclPermissionCode, AclResourceType } from "../../../runtime/kafka/apis/describeAcls/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { resourceMatches, type AclRule, type ResourceType } from "../authz/acl.ts";
import { authorizedOnCluster } from "../authz/check.ts";

const typeCode: Record<ResourceType, number> = {
  topic: AclResourceType.topic, group: AclResourceType.group, cluster: AclResourceType.cluster, "transactional-id": AclResourceType.transactionalId,
};
const knownTypes = new Set<number>(Object.values(AclResourceType));
const knownPatterns = new Set<number>(Object.values(AclPatternType));
/** Every rule is for any host: ledge's ACLs do not name hosts. */
const anyHost = "*";

function matches(rule: AclRule, f: DescribeAclsRequest, patternFilter: number): boolean {
  if (f.resourceTypeFilter !== AclResourceType.any && typeCode[rule.resourceType] !== f.resourceTypeFilter) return false;
  if (f.principalFilter !== null && f.principalFilter !== rule.principal) return false;
  if (f.hostFilter !== null && f.hostFilter !== anyHost) return false;
  if (f.operation !== AclOperationCode.any && AclOperationCode[rule.operation] !== f.operation) return false;
  if (f.permissionType !== AclPermissionCode.any && AclPermissionCode[rule.permission] !== f.permissionType) return false;
  const pattern = AclPatternType[rule.patternType];
  if (patternFilter === AclPatternType.match) return f.resourceNameFilter === null || resourceMatches(rule, rule.resourceType, f.resourceNameFilter);
  if (patternFilter !== AclPatternType.any && patternFilter !== pattern) return false;
  return f.resourceNameFilter === null || f.resourceNameFilter === rule.resourceName;
}

function answer(errorCode: number, errorMessage: string | null, resources: DescribeAclsResource[] = []): DescribeAclsResponse {
  return { throttleTimeMs: 0, errorCode, errorMessage, resources };
}

export const describeAclsHandler: KafkaHandler = async (ctx: RequestContext<DescribeAclsRequest>) => {
  const authorizer = ctx.parts.sasl?.authorizer;
  if (!authorizer) return respond(answer(ErrorCode.SECURITY_DISABLED, "no ACLs are configured (listeners.kafka.sasl.acls)"));
  if (!authorizedOnCluster(ctx, "DESCRIBE")) return respond(answer(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "describing ACLs needs DESCRIBE on the cluster"));
  const f = ctx.body;
  const v1 = ctx.header.apiVersion >= 1;
  const patternFilter = v1 ? f.patternTypeFilter ?? AclPatternType.literal : AclPatternType.literal;
  if (!knownTypes.has(f.resourceTypeFilter) || !knownPatterns.has(patternFilter)) {
    return respond(answer(ErrorCode.INVALID_REQUEST, `unknown resource type ${f.resourceTypeFilter} or pattern type ${patternFilter}`));
  }
  const byResource = new Map<string, DescribeAclsResource>();
  for (const rule of authorizer.rules) {
    if (!matches(rule, f, patternFilter)) continue;
    const key = `${rule.resourceType}\u0000${rule.patternType}\u0000${rule.resourceName}`;
    let resource = byResource.get(key);
    if (!resource) {
      resource = { resourceType: typeCode[rule.resourceType], resourceName: rule.resourceName, acls: [] };
      if (v1) resource.patternType = AclPatternType[rule.patternType];
      byResource.set(key, resource);
    }
    resource.acls.push({ principal: rule.principal, host: anyHost, operation: AclOperationCode[rule.operation], permissionType: AclPermissionCode[rule.permission] });
  }
  return respond(answer(ErrorCode.NONE, null, [...byResource.values()]));
};
