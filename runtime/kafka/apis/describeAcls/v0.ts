// DescribeAcls Request (Version: 0) => resource_type_filter resource_name_filter principal_filter host_filter operation permission_type
// DescribeAcls Response (Version: 0) => throttle_time_ms error_code error_message [resources]
//   resources => resource_type resource_name [acls]
//     acls => principal host operation permission_type
import { int8, int16, int32, nullableString, string, array, struct } from "../../protocol/types.ts";

export const request = struct({
  resourceTypeFilter: int8, resourceNameFilter: nullableString, principalFilter: nullableString,
  hostFilter: nullableString, operation: int8, permissionType: int8,
});

export const acl = struct({ principal: string, host: string, operation: int8, permissionType: int8 });
export const resource = struct({ resourceType: int8, resourceName: string, acls: array(acl) });
export const response = struct({ throttleTimeMs: int32, errorCode: int16, errorMessage: nullableString, resources: array(resource) });
