// OffsetCommit v6: adds committed_leader_epoch per partition (kafkajs has no v6: checked against the grammar).
import { codecSuite } from "./groups-codec.ts";
import { offsetCommitVersions } from "../../runtime/kafka/apis/offsetCommit/index.ts";
import { nullableString, string } from "../../runtime/kafka/protocol/types.ts";

codecSuite("OffsetCommit v6", {
  versions: offsetCommitVersions,
  version: 6,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 5, committedMetadata: null }, { partitionIndex: 1, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: "m" }] }] },
  response: { throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 22 }] }] },
  grammarRequest: (w) => {
    string.write(w, "orders");
    w.int32(3);
    string.write(w, "member-1");
    w.int32(1); // topics
    string.write(w, "t");
    w.int32(2); // partitions
    w.int32(0).int64(42).int32(5);
    nullableString.write(w, null);
    w.int32(1).int64(7).int32(-1);
    nullableString.write(w, "m");
  },
});
