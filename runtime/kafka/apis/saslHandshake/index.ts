// SaslHandshake (key 17): picks the SASL mechanism.
import type { ApiVersionsMap } from "../message.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";

export interface SaslHandshakeRequest {
  mechanism: string;
}
export interface SaslHandshakeResponse {
  errorCode: number;
  mechanisms: string[];
}

export const saslHandshakeVersions: ApiVersionsMap = { 0: v0, 1: v1 };
