// Metadata (Version: 6): same as v5 (the broker may now throttle after responding).
export { request, response } from "./v5.ts";
