// JoinGroup Request/Response (Version: 3) => same as v2 (responses are sent before throttling).
export { request, response } from "./v2.ts";
