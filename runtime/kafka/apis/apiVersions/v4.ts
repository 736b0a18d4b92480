// ApiVersions (Version: 4): same schema as v3. v4 only tells the broker the client accepts
// UNSUPPORTED_VERSION with a v0 body listing the broker's ranges (which we always send).
export { request, response } from "./v3.ts";
