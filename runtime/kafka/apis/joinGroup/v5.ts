// JoinGroup Request (Version: 5) => group_id session_timeout_ms rebalance_timeout_ms member_id group_instance_id protocol_type [protocols]
// JoinGroup Response (Version: 5) => throttle_time_ms error_code generation_id protocol_name leader member_id [members]
//   members => member_id group_instance_id metadata
import { array, insertAfter, nullableString, replaceFields, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v4 from "./v4.ts";

export const request = struct(insertAfter(v4.request.fields, "memberId", { groupInstanceId: nullableString }));

export const member = struct(insertAfter(v0.member.fields, "memberId", { groupInstanceId: nullableString }));
export const response = struct(replaceFields(v4.response.fields, { members: array(member) }));
