// AddPartitionsToTxn Request (Version: 0) => transactional_id producer_id producer_epoch [topics]
//   topics => name [partitions]
// AddPartitionsToTxn Response (Version: 0) => throttle_time_ms [results_by_topic_v3_and_below]
//   results_by_topic_v3_and_below => name [results_by_partition]
//     results_by_partition => partition_index partition_error_code
import { array, int16, int32, int64, string, struct } from "../../protocol/types.ts";

export const topic = struct({ name: string, partitions: array(int32) });
export const partitionResult = struct({ partitionIndex: int32, partitionErrorCode: int16 });
export const topicResult = struct({ name: string, resultsByPartition: array(partitionResult) });

export const request = struct({ transactionalId: string, producerId: int64, producerEpoch: int16, topics: array(topic) });
export const response = struct({ throttleTimeMs: int32, resultsByTopic: array(topicResult) });
