// LeaveGroup v0: one member leaves.
import { codecSuite } from "./groups-codec.ts";
import { leaveGroupVersions } from "../../runtime/kafka/apis/leaveGroup/index.ts";

codecSuite("LeaveGroup v0", {
  versions: leaveGroupVersions,
  version: 0,
  request: { groupId: "orders", memberId: "member-1" },
  response: { errorCode: 25 },
  kafkajsRequest: { path: "leaveGroup/v0", args: { groupId: "orders", memberId: "member-1" } },
  kafkajsResponse: { path: "leaveGroup/v0", expected: { errorCode: 25 } },
});
