// OffsetCommit Request (Version: 2) => group_id generation_id member_id retention_time_ms [topics]
//   topics => name [partitions]
//     partitions => partition_index committed_offset committed_metadata
// OffsetCommit Response (Version: 2) => [topics]
//   topics => name [partitions]
//     partitions => partition_index error_code
// (v0–1 are older than any client ledge serves and are not advertised.)
import { array, int16, int32, int64, nullableString, string, struct } from "../../protocol/types.ts";

export const partition = struct({ partitionIndex: int32, committedOffset: int64, committedMetadata: nullableString });
export const topic = struct({ name: string, partitions: array(partition) });
export const request = struct({
  groupId: string, generationId: int32, memberId: string, retentionTimeMs: int64, topics: array(topic),
});

export const partitionResult = struct({ partitionIndex: int32, errorCode: int16 });
export const topicResult = struct({ name: string, partitions: array(partitionResult) });
export const response = struct({ topics: array(topicResult) });
