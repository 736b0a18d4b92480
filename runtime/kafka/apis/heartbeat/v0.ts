// Heartbeat Request (Version: 0) => group_id generation_id member_id
// Heartbeat Response (Version: 0) => error_code
import { int16, int32, string, struct } from "../../protocol/types.ts";

export const request = struct({ groupId: string, generationId: int32, memberId: string });
export const response = struct({ errorCode: int16 });
