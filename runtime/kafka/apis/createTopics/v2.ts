// CreateTopics Request (Version: 2) => same as v1
// CreateTopics Response (Version: 2) => throttle_time_ms [topics]
import { int32, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";

export const request = v1.request;
export const response = struct({ throttleTimeMs: int32, ...v1.response.fields });
