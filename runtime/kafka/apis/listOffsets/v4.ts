// ListOffsets Request (Version: 4): partitions => partition_index current_leader_epoch timestamp
// ListOffsets Response (Version: 4): partitions => partition_index error_code timestamp offset leader_epoch
import { array, insertAfter, int32, string, struct, withZero } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";
import * as v3 from "./v3.ts";

export const requestPartition = struct(insertAfter(v1.requestPartition.fields, "partitionIndex", { currentLeaderEpoch: withZero(int32, -1) }));
export const responsePartition = struct(insertAfter(v1.responsePartition.fields, null, { leaderEpoch: withZero(int32, -1) }));
export const request = struct({ ...v3.request.fields, topics: array(struct({ name: string, partitions: array(requestPartition) })) });
export const response = struct({ ...v3.response.fields, topics: array(struct({ name: string, partitions: array(responsePartition) })) });
