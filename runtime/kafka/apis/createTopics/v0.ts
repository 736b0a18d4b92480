// CreateTopics Request (Version: 0) => [topics] timeout_ms
//   topics => name num_partitions replication_factor [assignments] [configs]
//     assignments => partition_index [broker_ids]
//     configs => name value
// CreateTopics Response (Version: 0) => [topics]
//   topics => name error_code
import { array, int16, int32, nullableString, string, struct } from "../../protocol/types.ts";

export const assignment = struct({ partitionIndex: int32, brokerIds: array(int32) });
export const config = struct({ name: string, value: nullableString });
export const requestTopic = struct({
  name: string, numPartitions: int32, replicationFactor: int16, assignments: array(assignment), configs: array(config),
});
export const responseTopic = struct({ name: string, errorCode: int16 });

export const request = struct({ topics: array(requestTopic), timeoutMs: int32 });
export const response = struct({ topics: array(responseTopic) });
