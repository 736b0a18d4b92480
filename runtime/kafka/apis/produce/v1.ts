// Produce Request (Version: 1) => same as v0
// Produce Response (Version: 1) => [responses] throttle_time_ms
import { int32, insertAfter, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = v0.request;
export const response = struct(insertAfter(v0.response.fields, null, { throttleTimeMs: int32 }));
