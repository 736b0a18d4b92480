// SyncGroup Request (Version: 0) => group_id generation_id member_id [assignments]
//   assignments => member_id assignment
// SyncGroup Response (Version: 0) => error_code assignment
import { array, bytes, int16, int32, string, struct } from "../../protocol/types.ts";

export const assignment = struct({ memberId: string, assignment: bytes });
export const request = struct({ groupId: string, generationId: int32, memberId: string, assignments: array(assignment) });
export const response = struct({ errorCode: int16, assignment: bytes });
