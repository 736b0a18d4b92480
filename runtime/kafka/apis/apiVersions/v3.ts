// ApiVersions Request (Version: 3) => client_software_name client_software_version TAG_BUFFER
//   (COMPACT_STRING each; first flexible version)
// ApiVersions Response (Version: 3) => error_code [api_keys] throttle_time_ms TAG_BUFFER
//   api_keys => api_key min_version max_version TAG_BUFFER      (COMPACT_ARRAY)
//   Tagged fields (supported_features, finalized_features…) are never sent by ledge.
// The response still goes out with response header v0 (protocol/headers.ts).
import { compactArray, compactString, int16, int32, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const apiKeyRange = struct(v0.apiKeyRange.fields, true);

export const request = struct({ clientSoftwareName: compactString, clientSoftwareVersion: compactString }, true);
export const response = struct({ errorCode: int16, apiKeys: compactArray(apiKeyRange), throttleTimeMs: int32 }, true);
