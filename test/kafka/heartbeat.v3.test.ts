// Heartbeat v3: adds group_instance_id.
import { codecSuite } from "./groups-codec.ts";
import { heartbeatVersions } from "../../runtime/kafka/apis/heartbeat/index.ts";

codecSuite("Heartbeat v3", {
  versions: heartbeatVersions,
  version: 3,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", groupInstanceId: null },
  response: { throttleTimeMs: 0, errorCode: 27 },
  kafkajsRequest: { path: "heartbeat/v3", args: { groupId: "orders", groupGenerationId: 3, memberId: "member-1", groupInstanceId: null } },
  kafkajsResponse: { path: "heartbeat/v3", expected: { errorCode: 27 } },
});
