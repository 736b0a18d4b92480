// OffsetFetch Request/Response (Version: 4) => same as v3 (responses are sent before throttling).
export { request, response } from "./v3.ts";
