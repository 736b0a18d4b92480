// Heartbeat Request (Version: 3) => group_id generation_id member_id group_instance_id
// Heartbeat Response (Version: 3) => same as v2
import { insertAfter, nullableString, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const request = struct(insertAfter(v2.request.fields, "memberId", { groupInstanceId: nullableString }));
export const response = v2.response;
