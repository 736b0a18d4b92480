// Produce Request (Version: 5) => same as v4
// Produce Response (Version: 5) => [responses] throttle_time_ms
//   partition_responses => index error_code base_offset log_append_time_ms log_start_offset
import { array, insertAfter, int64, string, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";
import * as v4 from "./v4.ts";

export const partitionResponse = struct(insertAfter(v2.partitionResponse.fields, null, { logStartOffset: int64 }));
export const topicResponse = struct({ name: string, partitionResponses: array(partitionResponse) });
export const request = v4.request;
export const response = struct({ ...v4.response.fields, responses: array(topicResponse) });
