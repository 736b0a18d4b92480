// Metadata Request (Version: 7) => same as v6
// Metadata Response (Version: 7): partitions gain leader_epoch after leader_id
//   partitions => error_code partition_index leader_id leader_epoch [replica_nodes] [isr_nodes] [offline_replicas]
import { array, insertAfter, int32, struct } from "../../protocol/types.ts";
import * as v5 from "./v5.ts";

export const partition = struct(insertAfter(v5.partition.fields, "leaderId", { leaderEpoch: int32 }));
export const topic = struct({ ...v5.topic.fields, partitions: array(partition) });
export const request = v5.request;
export const response = struct({ ...v5.response.fields, topics: array(topic) });
