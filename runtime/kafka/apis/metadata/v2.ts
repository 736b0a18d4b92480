// Metadata Request (Version: 2) => [topics]
// Metadata Response (Version: 2) => [brokers] cluster_id controller_id [topics]
import { insertAfter, nullableString, struct } from "../../protocol/types.ts";
import * as v1 from "./v1.ts";

export const request = v1.request;
export const response = struct(insertAfter(v1.response.fields, "brokers", { clusterId: nullableString }));
