// Heartbeat v2: same as v1.
import { codecSuite } from "./groups-codec.ts";
import { heartbeatVersions } from "../../runtime/kafka/apis/heartbeat/index.ts";

codecSuite("Heartbeat v2", {
  versions: heartbeatVersions,
  version: 2,
  request: { groupId: "orders", generationId: 3, memberId: "member-1" },
  response: { throttleTimeMs: 0, errorCode: 27 },
  kafkajsRequest: { path: "heartbeat/v2", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1" } },
  kafkajsResponse: { path: "heartbeat/v2", expected: { errorCode: 27 } },
});
