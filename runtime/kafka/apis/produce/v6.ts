// Produce (Version: 6): same as v5 (the broker may throttle after responding).
export { request, response } from "./v5.ts";
