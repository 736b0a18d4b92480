// Heartbeat v0: the first version; 27 (REBALANCE_IN_PROGRESS) tells a member to rejoin.
import { codecSuite } from "./groups-codec.ts";
import { heartbeatVersions } from "../../runtime/kafka/apis/heartbeat/index.ts";

codecSuite("Heartbeat v0", {
  versions: heartbeatVersions,
  version: 0,
  request: { groupId: "orders", generationId: 3, memberId: "member-1" },
  response: { errorCode: 27 },
  kafkajsRequest: { path: "heartbeat/v0", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1" } },
  kafkajsResponse: { path: "heartbeat/v0", expected: { errorCode: 27 } },
});
