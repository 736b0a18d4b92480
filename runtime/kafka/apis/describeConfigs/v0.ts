// DescribeConfigs Request (Version: 0) => [resources]
//   resources => resource_type resource_name [configuration_keys]    (null keys = all)
// DescribeConfigs Response (Version: 0) => throttle_time_ms [results]
//   results => error_code error_message resource_type resource_name [configs]
//     configs => name value read_only is_default is_sensitive
import { array, boolean, int16, int32, int8, nullableArray, nullableString, string, struct } from "../../protocol/types.ts";

export const resource = struct({ resourceType: int8, resourceName: string, configurationKeys: nullableArray(string) });
export const config = struct({ name: string, value: nullableString, readOnly: boolean, isDefault: boolean, isSensitive: boolean });
export const result = struct({
  errorCode: int16, errorMessage: nullableString, resourceType: int8, resourceName: string, configs: array(config),
});

export const request = struct({ resources: array(resource) });
export const response = struct({ throttleTimeMs: int32, results: array(result) });
