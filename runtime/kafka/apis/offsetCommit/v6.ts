// OffsetCommit Request (Version: 6) => group_id generation_id member_id [topics]
//   topics => name [partitions]
//     partitions => partition_index committed_offset committed_leader_epoch committed_metadata
// OffsetCommit Response (Version: 6) => same as v5
import { array, int32, insertAfter, replaceFields, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";
import * as v5 from "./v5.ts";

export const partition = struct(insertAfter(v2.partition.fields, "committedOffset", { committedLeaderEpoch: int32 }));
export const topic = struct(replaceFields(v2.topic.fields, { partitions: array(partition) }));
export const request = struct(replaceFields(v5.request.fields, { topics: array(topic) }));
export const response = v5.response;
