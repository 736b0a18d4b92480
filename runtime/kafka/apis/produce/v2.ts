// Produce Request (Version: 2) => same as v1
// Produce Response (Version: 2) => [responses] throttle_time_ms
//   partition_responses => index error_code base_offset log_append_time_ms
import { array, insertAfter, int64, string, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";

export const partitionResponse = struct(insertAfter(v0.partitionResponse.fields, null, { logAppendTimeMs: int64 }));
export const topicResponse = struct({ name: string, partitionResponses: array(partitionResponse) });
export const request = v1.request;
export const response = struct({ ...v1.response.fields, responses: array(topicResponse) });
