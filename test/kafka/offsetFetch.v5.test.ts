// OffsetFetch v5: adds committed_leader_epoch per partition (kafkajs has no v5: checked against the grammar).
import { codecSuite } from "./groups-codec.ts";
import { offsetFetchVersions } from "../../runtime/kafka/apis/offsetFetch/index.ts";
import { string } from "../../runtime/kafka/protocol/types.ts";

codecSuite("OffsetFetch v5", {
  versions: offsetFetchVersions,
  version: 5,
  request: { groupId: "orders", topics: [{ name: "t", partitionIndexes: [0, 1] }] },
  response: { throttleTimeMs: 0, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 5, metadata: "", errorCode: 0 }, { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 }] }], errorCode: 0 },
  grammarRequest: (w) => {
    string.write(w, "orders");
    w.int32(1); // topics
    string.write(w, "t");
    w.int32(2).int32(0).int32(1); // partition_indexes
  },
});
