// ListOffsets Request (Version: 1) => replica_id [topics]
//   topics => name [partitions]
//     partitions => partition_index timestamp          (-1 latest, -2 earliest, else ms)
// ListOffsets Response (Version: 1) => [topics]
//   topics => name [partitions]
//     partitions => partition_index error_code timestamp offset
import { array, int16, int32, int64, string, struct, withZero } from "../../protocol/types.ts";

export const requestPartition = struct({ partitionIndex: int32, timestamp: int64 });
export const requestTopic = struct({ name: string, partitions: array(requestPartition) });
export const responsePartition = struct({ partitionIndex: int32, errorCode: int16, timestamp: withZero(int64, -1), offset: withZero(int64, -1) });
export const responseTopic = struct({ name: string, partitions: array(responsePartition) });

export const request = struct({ replicaId: withZero(int32, -1), topics: array(requestTopic) });
export const response = struct({ topics: array(responseTopic) });
