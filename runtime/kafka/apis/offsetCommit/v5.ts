// OffsetCommit Request (Version: 5) => group_id generation_id member_id [topics]
//   (retention_time_ms removed: the broker's retention config decides)
// OffsetCommit Response (Version: 5) => same as v4
import { replaceFields, struct } from "../../protocol/types.ts";
import * as v4 from "./v4.ts";

export const request = struct(replaceFields(v4.request.fields, { retentionTimeMs: null }));
export const response = v4.response;
