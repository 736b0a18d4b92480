// LeaveGroup v2: same as v1.
import { codecSuite } from "./groups-codec.ts";
import { leaveGroupVersions } from "../../runtime/kafka/apis/leaveGroup/index.ts";

codecSuite("LeaveGroup v2", {
  versions: leaveGroupVersions,
  version: 2,
  request: { groupId: "orders", memberId: "member-1" },
  response: { throttleTimeMs: 0, errorCode: 25 },
  kafkajsRequest: { path: "leaveGroup/v2", args: { groupId: "orders", memberId: "member-1" } },
  kafkajsResponse: { path: "leaveGroup/v2", expected: { errorCode: 25 } },
});
