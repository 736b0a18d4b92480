// OffsetFetch Request (Version: 2) => group_id [topics]      (topics may be null: every topic)
// OffsetFetch Response (Version: 2) => [topics] error_code
import { int16, nullableArray, replaceFields, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";

export const request = struct(replaceFields(v1.request.fields, { topics: nullableArray(v1.topic) }));
export const response = struct({ ...v1.response.fields, errorCode: int16 });
