// SaslHandshake Request (Version: 0) => mechanism
// SaslHandshake Response (Version: 0) => error_code [mechanisms]
// After a v0 handshake the client sends raw length-prefixed SASL tokens, not Kafka requests.
import { array, int16, string, struct } from "../../protocol/types.ts";

export const request = struct({ mechanism: string });
export const response = struct({ errorCode: int16, mechanisms: array(string) });
