// FindCoordinator Request (Version: 2) => key key_type                     (same as v1)
// FindCoordinator Response (Version: 2) => throttle_time_ms error_code error_message node_id host port
export { request, response } from "./v1.ts";
