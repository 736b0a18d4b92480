// LeaveGroup v3: a list of members, each answered with its own error (KIP-345).
import { codecSuite } from "./groups-codec.ts";
import { leaveGroupVersions } from "../../runtime/kafka/apis/leaveGroup/index.ts";

codecSuite("LeaveGroup v3", {
  versions: leaveGroupVersions,
  version: 3,
  request: { groupId: "orders", members: [{ memberId: "member-1", groupInstanceId: null }, { memberId: "member-2", groupInstanceId: null }] },
  response: { throttleTimeMs: 0, errorCode: 0, members: [{ memberId: "member-1", groupInstanceId: null, errorCode: 0 }, { memberId: "member-2", groupInstanceId: null, errorCode: 25 }] },
  kafkajsRequest: { path: "leaveGroup/v3", args: { groupId: "orders", members: [{ memberId: "member-1" }, { memberId: "member-2" }] } },
  kafkajsResponse: { path: "leaveGroup/v3", expected: { errorCode: 0, members: [{ memberId: "member-1", groupInstanceId: null, errorCode: 0 }, { memberId: "member-2", groupInstanceId: null, errorCode: 25 }] } },
});
