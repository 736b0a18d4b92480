// Fetch Request (Version: 7) => replica_id max_wait_ms min_bytes max_bytes isolation_level
//   session_id session_epoch [topics] [forgotten_topics_data]             (KIP-227 sessions)
//   forgotten_topics_data => topic [partitions]
// Fetch Response (Version: 7) => throttle_time_ms error_code session_id [responses]
// ledge keeps no fetch sessions: it always answers session_id 0 (full fetch each time).
import { array, insertAfter, int16, int32, string, struct, withZero } from "../../protocol/types.ts";
import * as v6 from "./v6.ts";

export const forgottenTopic = struct({ topic: string, partitions: array(int32) });
export const requestPartition = v6.requestPartition;
export const requestTopic = v6.requestTopic;
export const responsePartition = v6.responsePartition;
export const responseTopic = v6.responseTopic;

export const request = struct(insertAfter(
  insertAfter(v6.request.fields, "isolationLevel", { sessionId: int32, sessionEpoch: withZero(int32, -1) }),
  null, { forgottenTopicsData: array(forgottenTopic) },
));
export const response = struct(insertAfter(v6.response.fields, "throttleTimeMs", { errorCode: int16, sessionId: int32 }));
