// JoinGroup Request (Version: 0) => group_id session_timeout_ms member_id protocol_type [protocols]
//   protocols => name metadata
// JoinGroup Response (Version: 0) => error_code generation_id protocol_name leader member_id [members]
//   members => member_id metadata
import { array, bytes, int16, int32, string, struct } from "../../protocol/types.ts";

export const protocol = struct({ name: string, metadata: bytes });
export const request = struct({
  groupId: string, sessionTimeoutMs: int32, memberId: string, protocolType: string, protocols: array(protocol),
});

export const member = struct({ memberId: string, metadata: bytes });
export const response = struct({
  errorCode: int16, generationId: int32, protocolName: string, leader: string, memberId: string, members: array(member),
});
