// Fetch Request (Version: 9): partitions => partition current_leader_epoch fetch_offset log_start_offset partition_max_bytes
// Fetch Response (Version: 9): same as v8
import { array, insertAfter, int32, string, struct, withZero } from "../../protocol/types.ts";
import * as v8 from "./v8.ts";

export const forgottenTopic = v8.forgottenTopic;
export const requestPartition = struct(insertAfter(v8.requestPartition.fields, "partition", { currentLeaderEpoch: withZero(int32, -1) }));
export const requestTopic = struct({ topic: string, partitions: array(requestPartition) });
export const responsePartition = v8.responsePartition;
export const responseTopic = v8.responseTopic;

export const request = struct({ ...v8.request.fields, topics: array(requestTopic) });
export const response = v8.response;
