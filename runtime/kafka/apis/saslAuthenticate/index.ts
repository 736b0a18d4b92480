// SaslAuthenticate (key 36): one SASL token each way.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";

export interface SaslAuthenticateRequest {
  authBytes: Uint8Array;
}
export interface SaslAuthenticateResponse {
  errorCode: number;
  errorMessage: string | null;
  authBytes: Uint8Array;
  sessionLifetimeMs?: number;
}

export const saslAuthenticateVersions: SchemasByVersion = { 0: v0, 1: v1 };
