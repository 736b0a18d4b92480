// OffsetFetch v2: topics may be null (every committed partition); adds a top-level error_code.
import { codecSuite } from "./groups-codec.ts";
import { offsetFetchVersions } from "../../runtime/kafka/apis/offsetFetch/index.ts";

codecSuite("OffsetFetch v2", {
  versions: offsetFetchVersions,
  version: 2,
  request: { groupId: "orders", topics: [{ name: "t", partitionIndexes: [0, 1] }] },
  response: { topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, metadata: "", errorCode: 0 }, { partitionIndex: 1, committedOffset: -1, metadata: "", errorCode: 0 }] }], errorCode: 0 },
  kafkajsRequest: { path: "offsetFetch/v2", args: { groupId: "orders", topics: [{ topic: "t", partitions: [{ partition: 0 }, { partition: 1 }] }] } },
  kafkajsResponse: { path: "offsetFetch/v2", expected: { responses: [{ topic: "t", partitions: [{ partition: 0, offset: "42", metadata: "", errorCode: 0 }, { partition: 1, offset: "-1", metadata: "", errorCode: 0 }] }] } },
});

codecSuite("OffsetFetch v2 with null topics (every committed partition)", {
  versions: offsetFetchVersions,
  version: 2,
  request: { groupId: "orders", topics: null },
  response: { topics: [], errorCode: 0 },
});
