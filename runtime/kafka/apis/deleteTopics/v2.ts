// DeleteTopics (Version: 2): same as v1.
export { request, response } from "./v1.ts";
