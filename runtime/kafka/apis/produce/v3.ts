// Produce Request (Version: 3) => transactional_id acks timeout_ms [topic_data]
//   (records must now be exactly one RecordBatch v2 per partition)
// Produce Response (Version: 3) => same as v2
import { nullableString, struct } from "../../protocol/types.ts";
import * as v2 from "./v2.ts";

export const request = struct({ transactionalId: nullableString, ...v2.request.fields });
export const response = v2.response;
