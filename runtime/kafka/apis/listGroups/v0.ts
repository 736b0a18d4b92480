// ListGroups Request (Version: 0) =>
// ListGroups Response (Version: 0) => error_code [groups]
//   groups => group_id protocol_type
import { array, int16, string, struct } from "../../protocol/types.ts";

export const request = struct({});
export const group = struct({ groupId: string, protocolType: string });
export const response = struct({ errorCode: int16, groups: array(group) });
