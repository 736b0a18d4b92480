// OffsetCommit v2: the lowest version ledge speaks (with retention_time_ms).
import { codecSuite } from "./groups-codec.ts";
import { offsetCommitVersions } from "../../runtime/kafka/apis/offsetCommit/index.ts";

codecSuite("OffsetCommit v2", {
  versions: offsetCommitVersions,
  version: 2,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", retentionTimeMs: -1, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedMetadata: null }, { partitionIndex: 1, committedOffset: 7, committedMetadata: "m" }] }] },
  response: { topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }] },
  kafkajsRequest: { path: "offsetCommit/v2", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1", retentionTime: -1, topics: [{ topic: "t", partitions: [{ partition: 0, offset: "42" }, { partition: 1, offset: "7", metadata: "m" }] }] } },
  kafkajsResponse: { path: "offsetCommit/v2", expected: { responses: [{ topic: "t", partitions: [{ partition: 0, errorCode: 0 }, { partition: 1, errorCode: 22 }] }] } },
});
