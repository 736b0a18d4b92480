// JoinGroup Request (Version: 2) => same as v1
// JoinGroup Response (Version: 2) => throttle_time_ms error_code generation_id protocol_name leader member_id [members]
import { int32, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";

export const request = v1.request;
export const response = struct({ throttleTimeMs: int32, ...v1.response.fields });
