// AddPartitionsToTxn Request (Version: 3) => transactional_id producer_id producer_epoch [topics] TAG_BUFFER
//   topics => name [partitions] TAG_BUFFER          (COMPACT_STRING, COMPACT_ARRAY; first flexible version)
// AddPartitionsToTxn Response (Version: 3) => throttle_time_ms [results_by_topic_v3_and_below] TAG_BUFFER
//   results_by_topic_v3_and_below => name [results_by_partition] TAG_BUFFER
//     results_by_partition => partition_index partition_error_code TAG_BUFFER
import { compactArray, compactString, int16, int32, int64, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const topic = struct({ name: compactString, partitions: compactArray(int32) }, true);
export const partitionResult = struct(v0.partitionResult.fields, true);
export const topicResult = struct({ name: compactString, resultsByPartition: compactArray(partitionResult) }, true);

export const request = struct({ transactionalId: compactString, producerId: int64, producerEpoch: int16, topics: compactArray(topic) }, true);
export const response = struct({ throttleTimeMs: int32, resultsByTopic: compactArray(topicResult) }, true);
