// Metadata Request (Version: 3) => [topics]
// Metadata Response (Version: 3) => throttle_time_ms [brokers] cluster_id controller_id [topics]
import { int32, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const request = v2.request;
export const response = struct({ throttleTimeMs: int32, ...v2.response.fields });
