// DescribeAcls Request (Version: 1) => resource_type_filter resource_name_filter pattern_type_filter principal_filter host_filter operation permission_type
// DescribeAcls Response (Version: 1) => throttle_time_ms error_code error_message [resources]
//   resources => resource_type resource_name pattern_type [acls]
// (v1 adds the resource pattern type, KIP-290.)
import { int8, int16, int32, nullableString, string, array, struct, insertAfter } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = struct(insertAfter(v0.request.fields, "resourceNameFilter", { patternTypeFilter: int8 }));
export const resource = struct({ resourceType: int8, resourceName: string, patternType: int8, acls: array(v0.acl) });
export const response = struct({ throttleTimeMs: int32, errorCode: int16, errorMessage: nullableString, resources: array(resource) });
