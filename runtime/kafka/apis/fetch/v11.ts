// Fetch Request (Version: 11) => ... [topics] [forgotten_topics_data] rack_id
// Fetch Response (Version: 11): partitions gain preferred_read_replica after aborted_transactions
//   partitions => partition_index error_code high_watermark last_stable_offset log_start_offset
//                 [aborted_transactions] preferred_read_replica records
import { array, insertAfter, int32, string, struct, withZero } from "../../protocol/types.ts";
import * as v10 from "./v10.ts";

export const forgottenTopic = v10.forgottenTopic;
export const requestPartition = v10.requestPartition;
export const requestTopic = v10.requestTopic;
export const responsePartition = struct(insertAfter(v10.responsePartition.fields, "abortedTransactions", { preferredReadReplica: withZero(int32, -1) }));
export const responseTopic = struct({ topic: string, partitions: array(responsePartition) });

export const request = struct(insertAfter(v10.request.fields, null, { rackId: string }));
export const response = struct({ ...v10.response.fields, responses: array(responseTopic) });
