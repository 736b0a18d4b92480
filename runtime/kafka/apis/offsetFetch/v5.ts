// OffsetFetch Request (Version: 5) => same as v4
// OffsetFetch Response (Version: 5) => throttle_time_ms [topics] error_code
//   topics => name [partitions]
//     partitions => partition_index committed_offset committed_leader_epoch metadata error_code
import { array, int32, insertAfter, replaceFields, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";
import * as v4 from "./v4.ts";

export const partitionResult = struct(insertAfter(v1.partitionResult.fields, "committedOffset", { committedLeaderEpoch: int32 }));
export const topicResult = struct(replaceFields(v1.topicResult.fields, { partitions: array(partitionResult) }));
export const request = v4.request;
export const response = struct(replaceFields(v4.response.fields, { topics: array(topicResult) }));
