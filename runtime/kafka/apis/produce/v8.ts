// Produce Request (Version: 8) => same as v7
// Produce Response (Version: 8): partition_responses gain [record_errors] error_message
//   partition_responses => index error_code base_offset log_append_time_ms log_start_offset
//                          [record_errors] error_message
//     record_errors => batch_index batch_index_error_message
// Not advertised by the listener (it serves up to v7); here for the bridge, which reads
// per-record errors from upstream brokers (KIP-467).
import { array, insertAfter, int32, nullableString, string, struct } from "../../protocol/types.ts";
import * as v5 from "./v5.ts";
import * as v7 from "./v7.ts";

export const recordError = struct({ batchIndex: int32, batchIndexErrorMessage: nullableString });
export const partitionResponse = struct(insertAfter(v5.partitionResponse.fields, null, { recordErrors: array(recordError), errorMessage: nullableString }));
export const topicResponse = struct({ name: string, partitionResponses: array(partitionResponse) });
export const request = v7.request;
export const response = struct({ ...v7.response.fields, responses: array(topicResponse) });
