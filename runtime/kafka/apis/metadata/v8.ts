// Metadata Request (Version: 8) => [topics] allow_auto_topic_creation
//   include_cluster_authorized_operations include_topic_authorized_operations
// Metadata Response (Version: 8): topics gain topic_authorized_operations after partitions;
//   cluster_authorized_operations is appended at the end (KIP-430).
// Not advertised by the listener (it serves up to v7); here for the bridge.
import { array, boolean, insertAfter, int32, struct, withZero } from "../../protocol/types.ts";
import * as v7 from "./v7.ts";

const unknownOperations = -2147483648; // Kafka's "not requested" value
export const topic = struct(insertAfter(v7.topic.fields, null, { topicAuthorizedOperations: withZero(int32, unknownOperations) }));
export const request = struct(insertAfter(v7.request.fields, null, { includeClusterAuthorizedOperations: boolean, includeTopicAuthorizedOperations: boolean }));
export const response = struct(insertAfter({ ...v7.response.fields, topics: array(topic) }, null, { clusterAuthorizedOperations: withZero(int32, unknownOperations) }));
