// Metadata Request (Version: 0) => [topics]              (empty array = all topics)
//   topics => name
// Metadata Response (Version: 0) => [brokers] [topics]
//   brokers => node_id host port
//   topics => error_code name [partitions]
//     partitions => error_code partition_index leader_id [replica_nodes] [isr_nodes]
import { array, int16, int32, string, struct } from "../../protocol/types.ts";

export const requestTopic = struct({ name: string });
export const broker = struct({ nodeId: int32, host: string, port: int32 });
export const partition = struct({
  errorCode: int16, partitionIndex: int32, leaderId: int32, replicaNodes: array(int32), isrNodes: array(int32),
});
export const topic = struct({ errorCode: int16, name: string, partitions: array(partition) });

export const request = struct({ topics: array(requestTopic) });
export const response = struct({ brokers: array(broker), topics: array(topic) });
