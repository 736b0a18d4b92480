// ApiVersions Request (Version: 2) =>                       (same as v1)
// ApiVersions Response (Version: 2) => error_code [api_keys] throttle_time_ms
export { request, response } from "./v1.ts";
