// Produce Request (Version: 0) => acks timeout_ms [topic_data]
//   topic_data => name [partition_data]
//     partition_data => index records
// Produce Response (Version: 0) => [responses]
//   responses => name [partition_responses]
//     partition_responses => index error_code base_offset
// ledge advertises v0-v2 (so librdkafka enables gzip/snappy) but answers them with
// UNSUPPORTED_VERSION: they carry magic 0/1 message sets, which ledge does not store.
import { array, int16, int32, int64, records, string, struct } from "../../protocol/types.ts";

export const partitionData = struct({ index: int32, records });
export const topicData = struct({ name: string, partitionData: array(partitionData) });
export const partitionResponse = struct({ index: int32, errorCode: int16, baseOffset: int64 });
export const topicResponse = struct({ name: string, partitionResponses: array(partitionResponse) });

export const request = struct({ acks: int16, timeoutMs: int32, topicData: array(topicData) });
export const response = struct({ responses: array(topicResponse) });
