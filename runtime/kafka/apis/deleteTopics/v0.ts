// DeleteTopics Request (Version: 0) => [topic_names] timeout_ms
// DeleteTopics Response (Version: 0) => [responses]
//   responses => name error_code
import { array, int16, int32, string, struct } from "../../protocol/types.ts";

export const request = struct({ topicNames: array(string), timeoutMs: int32 });
export const response = struct({ responses: array(struct({ name: string, errorCode: int16 })) });
