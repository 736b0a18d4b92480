// ApiVersions Request (Version: 0) =>
// ApiVersions Response (Version: 0) => error_code [api_keys]
//   api_keys => api_key min_version max_version
import { array, int16, struct } from "../../protocol/types.ts";

export const apiKeyRange = struct({ apiKey: int16, minVersion: int16, maxVersion: int16 });

export const request = struct({});
export const response = struct({ errorCode: int16, apiKeys: array(apiKeyRange) });
