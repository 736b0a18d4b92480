// OffsetCommit Request (Version: 7) => group_id generation_id member_id group_instance_id [topics]
// OffsetCommit Response (Version: 7) => same as v6
import { insertAfter, nullableString, struct } from "../../protocol/types.ts";
import * as v6 from "./v6.ts";

export const request = struct(insertAfter(v6.request.fields, "memberId", { groupInstanceId: nullableString }));
export const response = v6.response;
