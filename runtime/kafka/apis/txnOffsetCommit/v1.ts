// TxnOffsetCommit (Version: 1): same as v0 (responses are sent before throttling).
export { request, response } from "./v0.ts";
