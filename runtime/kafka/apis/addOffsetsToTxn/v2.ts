// AddOffsetsToTxn (Version: 2): same as v1 (the broker may answer PRODUCER_FENCED).
export { request, response } from "./v1.ts";
