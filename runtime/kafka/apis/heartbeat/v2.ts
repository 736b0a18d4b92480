// Heartbeat Request/Response (Version: 2) => same as v1 (responses are sent before throttling).
export { request, response } from "./v1.ts";
