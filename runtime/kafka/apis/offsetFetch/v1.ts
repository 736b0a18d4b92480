// OffsetFetch Request (Version: 1) => group_id [topics]
//   topics => name [partition_indexes]
// OffsetFetch Response (Version: 1) => [topics]
//   topics => name [partitions]
//     partitions => partition_index committed_offset metadata error_code
// (v0 read offsets from ZooKeeper and is not advertised.)
import { array, int16, int32, int64, nullableString, string, struct } from "../../protocol/types.ts";

export const topic = struct({ name: string, partitionIndexes: array(int32) });
export const request = struct({ groupId: string, topics: array(topic) });

export const partitionResult = struct({ partitionIndex: int32, committedOffset: int64, metadata: nullableString, errorCode: int16 });
export const topicResult = struct({ name: string, partitions: array(partitionResult) });
export const response = struct({ topics: array(topicResult) });
