// TxnOffsetCommit Request (Version: 0) => transactional_id group_id producer_id producer_epoch [topics]
//   topics => name [partitions]
//     partitions => partition_index committed_offset committed_metadata
// TxnOffsetCommit Response (Version: 0) => throttle_time_ms [topics]
//   topics => name [partitions]
//     partitions => partition_index error_code
import { array, int16, int32, int64, nullableString, string, struct } from "../../protocol/types.ts";

export const partition = struct({ partitionIndex: int32, committedOffset: int64, committedMetadata: nullableString });
export const topic = struct({ name: string, partitions: array(partition) });
export const request = struct({
  transactionalId: string, groupId: string, producerId: int64, producerEpoch: int16, topics: array(topic),
});

export const partitionResult = struct({ partitionIndex: int32, errorCode: int16 });
export const topicResult = struct({ name: string, partitions: array(partitionResult) });
export const response = struct({ throttleTimeMs: int32, topics: array(topicResult) });
