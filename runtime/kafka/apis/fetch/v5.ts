// Fetch Request (Version: 5): partitions => partition fetch_offset log_start_offset partition_max_bytes
// Fetch Response (Version: 5): partitions gain log_start_offset after last_stable_offset
import { array, insertAfter, int64, string, struct, withZero } from "../../protocol/types.ts";
import * as v4 from "./v4.ts";

export const requestPartition = struct(insertAfter(v4.requestPartition.fields, "fetchOffset", { logStartOffset: withZero(int64, -1) }));
export const requestTopic = struct({ topic: string, partitions: array(requestPartition) });
export const responsePartition = struct(insertAfter(v4.responsePartition.fields, "lastStableOffset", { logStartOffset: withZero(int64, -1) }));
export const responseTopic = struct({ topic: string, partitions: array(responsePartition) });

export const request = struct({ ...v4.request.fields, topics: array(requestTopic) });
export const response = struct({ ...v4.response.fields, responses: array(responseTopic) });
