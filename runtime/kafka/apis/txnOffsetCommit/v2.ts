// TxnOffsetCommit Request (Version: 2) => transactional_id group_id producer_id producer_epoch [topics]
//   topics => name [partitions]
//     partitions => partition_index committed_offset committed_leader_epoch committed_metadata
// TxnOffsetCommit Response (Version: 2) => same as v1
import { array, insertAfter, int32, replaceFields, struct, withZero } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";

export const partition = struct(insertAfter(v0.partition.fields, "committedOffset", { committedLeaderEpoch: withZero(int32, -1) }));
export const topic = struct(replaceFields(v0.topic.fields, { partitions: array(partition) }));
export const request = struct(replaceFields(v1.request.fields, { topics: array(topic) }));
export const response = v1.response;
