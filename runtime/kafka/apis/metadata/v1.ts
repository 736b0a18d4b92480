// Metadata Request (Version: 1) => [topics]              (null = all topics, empty = none)
// Metadata Response (Version: 1) => [brokers] controller_id [topics]
//   brokers => node_id host port rack
//   topics => error_code name is_internal [partitions]
import { array, boolean, insertAfter, int32, nullableArray, nullableString, struct } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";

export const broker = struct(insertAfter(v0.broker.fields, null, { rack: nullableString }));
export const topic = struct(insertAfter(v0.topic.fields, "name", { isInternal: boolean }));
export const partition = v0.partition;

export const request = struct({ topics: nullableArray(v0.requestTopic) });
export const response = struct({ brokers: array(broker), controllerId: int32, topics: array(topic) });
