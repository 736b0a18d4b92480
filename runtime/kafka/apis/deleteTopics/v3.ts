// DeleteTopics (Version: 3): same as v2 (TOPIC_DELETION_DISABLED may be returned).
export { request, response } from "./v2.ts";
