// JoinGroup Request (Version: 1) => group_id session_timeout_ms rebalance_timeout_ms member_id protocol_type [protocols]
// JoinGroup Response (Version: 1) => same as v0
import { int32, insertAfter, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = struct(insertAfter(v0.request.fields, "sessionTimeoutMs", { rebalanceTimeoutMs: int32 }));
export const response = v0.response;
