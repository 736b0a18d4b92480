// ApiVersions (key 18): the client asks which API versions ledge speaks.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";

export interface ApiKeyRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsRequest {
  clientSoftwareName?: string;
  clientSoftwareVersion?: string;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiKeyRange[];
  throttleTimeMs?: number;
}

export const apiVersionsVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4 };
