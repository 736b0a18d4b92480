// Metadata Request (Version: 5) => same as v4
// Metadata Response (Version: 5) => throttle_time_ms [brokers] cluster_id controller_id [topics]
//   partitions => error_code partition_index leader_id [replica_nodes] [isr_nodes] [offline_replicas]
import { array, insertAfter, int32, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";
import * as v4 from "./v4.ts";

export const partition = struct(insertAfter(v1.partition.fields, null, { offlineReplicas: array(int32) }));
export const topic = struct({ ...v1.topic.fields, partitions: array(partition) });
export const request = v4.request;
export const response = struct({ ...v4.response.fields, topics: array(topic) });
