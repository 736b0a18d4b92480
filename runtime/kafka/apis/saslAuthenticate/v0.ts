// SaslAuthenticate Request (Version: 0) => auth_bytes
// SaslAuthenticate Response (Version: 0) => error_code error_message auth_bytes
import { bytes, int16, nullableString, struct } from "../../protocol/types.ts";

export const request = struct({ authBytes: bytes });
export const response = struct({ errorCode: int16, errorMessage: nullableString, authBytes: bytes });
