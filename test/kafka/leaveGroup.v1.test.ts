// LeaveGroup v1: adds throttle_time_ms to the response.
import { codecSuite } from "./groups-codec.ts";
import { leaveGroupVersions } from "../../runtime/kafka/apis/leaveGroup/index.ts";

codecSuite("LeaveGroup v1", {
  versions: leaveGroupVersions,
  version: 1,
  request: { groupId: "orders", memberId: "member-1" },
  response: { throttleTimeMs: 0, errorCode: 25 },
  kafkajsRequest: { path: "leaveGroup/v1", args: { groupId: "orders", memberId: "member-1" } },
  kafkajsResponse: { path: "leaveGroup/v1", expected: { errorCode: 25 } },
});
