// FindCoordinator Request (Version: 1) => key key_type
// FindCoordinator Response (Version: 1) => throttle_time_ms error_code error_message node_id host port
import { int8, int32, insertAfter, nullableString, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = struct(insertAfter(v0.request.fields, "key", { keyType: int8 }));
export const response = struct({
  throttleTimeMs: int32,
  ...insertAfter(v0.response.fields, "errorCode", { errorMessage: nullableString }),
});
