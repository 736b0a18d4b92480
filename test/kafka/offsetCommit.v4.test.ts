// OffsetCommit v4: same as v3.
import { codecSuite } from "./groups-codec.ts";
import { offsetCommitVersions } from "../../runtime/kafka/apis/offsetCommit/index.ts";

codecSuite("OffsetCommit v4", {
  versions: offsetCommitVersions,
  version: 4,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedMetadata: null }, { partitionIndex: 1, committedOffset: 7, committedMetadata: "m" }] }] },
  response: { throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }] },
  kafkajsRequest: { path: "offsetCommit/v4", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1", retentionTime: -1, topics: [{ topic: "t", partitions: [{ partition: 0, offset: "42" }, { partition: 1, offset: "7", metadata: "m" }] }] } },
  kafkajsResponse: { path: "offsetCommit/v4", expected: { responses: [{ topic: "t", partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 22 }] }] } },
});
