// EndTxn (Version: 1): same as v0.
export { request, response } from "./v0.ts";
