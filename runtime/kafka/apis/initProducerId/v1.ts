// InitProducerId (Version: 1): same as v0 (the broker may throttle after responding).
export { request, response } from "./v0.ts";
