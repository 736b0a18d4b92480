// LeaveGroup Request (Version: 0) => group_id member_id
// LeaveGroup Response (Version: 0) => error_code
import { int16, string, struct } from "../../protocol/types.ts";

export const request = struct({ groupId: string, memberId: string });
export const response = struct({ errorCode: int16 });
