// DescribeGroups Request (Version: 4) => same as v3
// DescribeGroups Response (Version: 4) => throttle_time_ms [groups]
//   members => member_id group_instance_id client_id client_host member_metadata member_assignment
import { array, insertAfter, nullableString, replaceFields, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v3 from "./v3.ts";

export const request = v3.request;
export const member = struct(insertAfter(v0.member.fields, "memberId", { groupInstanceId: nullableString }));
export const group = struct(replaceFields(v3.group.fields, { members: array(member) }));
export const response = struct(replaceFields(v3.response.fields, { groups: array(group) }));
