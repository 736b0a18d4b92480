// DeleteTopics Request (Version: 1) => same as v0
// DeleteTopics Response (Version: 1) => throttle_time_ms [responses]
import { int32, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = v0.request;
export const response = struct({ throttleTimeMs: int32, ...v0.response.fields });
