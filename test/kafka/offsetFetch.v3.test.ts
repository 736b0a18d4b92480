// OffsetFetch v3: adds throttle_time_ms to the response.
import { codecSuite } from "./groups-codec.ts";
import { offsetFetchVersions } from "../../runtime/kafka/apis/offsetFetch/index.ts";

codecSuite("OffsetFetch v3", {
  versions: offsetFetchVersions,
  version: 3,
  request: { groupId: "orders", topics: [{ name: "t", partitionIndexes: [0, 1] }] },
  response: { throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, metadata: "", errorCode: 0 }, { partitionIndex: 1, committedOffset: -1, metadata: "", errorCode: 0 }] }], errorCode: 0 },
  kafkajsRequest: { path: "offsetFetch/v3", args: { groupId: "orders", topics: [{ topic: "t", partitions: [{ partition: 0 }, { partition: 1 }] }] } },
  kafkajsResponse: { path: "offsetFetch/v3", expected: { responses: [{ topic: "t", partitions: [{ partition: 0, offset: "42", metadata: "", errorCode: 0 }, { partition: 1, offset: "-1", metadata: "", errorCode: 0 }] }] } },
});
