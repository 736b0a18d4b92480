// SaslAuthenticate Request (Version: 1) => auth_bytes
// SaslAuthenticate Response (Version: 1) => error_code error_message auth_bytes session_lifetime_ms
import { insertAfter, int64, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const request = v0.request;
export const response = struct(insertAfter(v0.response.fields, null, { sessionLifetimeMs: int64 }));
