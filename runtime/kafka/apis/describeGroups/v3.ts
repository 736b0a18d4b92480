// DescribeGroups Request (Version: 3) => [groups] include_authorized_operations
// DescribeGroups Response (Version: 3) => throttle_time_ms [groups]
//   groups => error_code group_id group_state protocol_type protocol_data [members] authorized_operations
import { array, boolean, int32, struct, withZero } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v2 from "./v2.ts";

export const request = struct({ ...v2.request.fields, includeAuthorizedOperations: boolean });

/** Kafka's "not requested" value for authorized_operations (INT32_MIN). */
export const authorizedOperationsOmitted = -2147483648;
export const group = struct({ ...v0.group.fields, authorizedOperations: withZero(int32, authorizedOperationsOmitted) });
export const response = struct({ throttleTimeMs: int32, groups: array(group) });
