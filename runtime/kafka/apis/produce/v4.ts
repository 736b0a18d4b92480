// Produce (Version: 4): same as v3 (KAFKA_STORAGE_ERROR may be returned).
export { request, response } from "./v3.ts";
