// AddOffsetsToTxn Request (Version: 3) => transactional_id producer_id producer_epoch group_id TAG_BUFFER
//   (COMPACT_STRING each; first flexible version)
// AddOffsetsToTxn Response (Version: 3) => throttle_time_ms error_code TAG_BUFFER
import { compactString, replaceFields, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const request = struct(replaceFields(v2.request.fields, { transactionalId: compactString, groupId: compactString }), true);
export const response = struct(v2.response.fields, true);
