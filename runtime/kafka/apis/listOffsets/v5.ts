// ListOffsets (Version: 5): same as v4.
export { request, response } from "./v4.ts";
