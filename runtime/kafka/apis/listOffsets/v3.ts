// ListOffsets (Version: 3): same as v2.
export { request, response } from "./v2.ts";
