// CreateTopics (Version: 4): same as v3; num_partitions and replication_factor may be -1
// (use the broker's defaults, KIP-464).
export { request, response } from "./v3.ts";
