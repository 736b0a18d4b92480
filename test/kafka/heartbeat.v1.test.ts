// Heartbeat v1: adds throttle_time_ms to the response.
import { codecSuite } from "./groups-codec.ts";
import { heartbeatVersions } from "../../runtime/kafka/apis/heartbeat/index.ts";

codecSuite("Heartbeat v1", {
  versions: heartbeatVersions,
  version: 1,
  request: { groupId: "orders", generationId: 3, memberId: "member-1" },
  response: { throttleTimeMs: 0, errorCode: 27 },
  kafkajsRequest: { path: "heartbeat/v1", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1" } },
  kafkajsResponse: { path: "heartbeat/v1", expected: { errorCode: 27 } },
});
