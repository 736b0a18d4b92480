// CreateTopics Request (Version: 1) => [topics] timeout_ms validate_only
// CreateTopics Response (Version: 1) => [topics]
//   topics => name error_code error_message
import { array, boolean, insertAfter, nullableString, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const responseTopic = struct(insertAfter(v0.responseTopic.fields, null, { errorMessage: nullableString }));
export const request = struct(insertAfter(v0.request.fields, null, { validateOnly: boolean }));
export const response = struct({ topics: array(responseTopic) });
