// ListOffsets Request (Version: 2) => replica_id isolation_level [topics]
// ListOffsets Response (Version: 2) => throttle_time_ms [topics]
import { insertAfter, int32, int8, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";

export const request = struct(insertAfter(v1.request.fields, "replicaId", { isolationLevel: int8 }));
export const response = struct({ throttleTimeMs: int32, ...v1.response.fields });
