// LeaveGroup Request (Version: 3) => group_id [members]
//   members => member_id group_instance_id
// LeaveGroup Response (Version: 3) => throttle_time_ms error_code [members]
//   members => member_id group_instance_id error_code
import { array, int16, nullableString, string, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const leavingMember = struct({ memberId: string, groupInstanceId: nullableString });
export const request = struct({ groupId: string, members: array(leavingMember) });

export const memberResult = struct({ memberId: string, groupInstanceId: nullableString, errorCode: int16 });
export const response = struct({ ...v2.response.fields, members: array(memberResult) });
