// SyncGroup v3: adds group_instance_id.
import { codecSuite, bytes } from "./groups-codec.ts";
import { syncGroupVersions } from "../../runtime/kafka/apis/syncGroup/index.ts";

codecSuite("SyncGroup v3", {
  versions: syncGroupVersions,
  version: 3,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", groupInstanceId: null, assignments: [{ memberId: "member-1", assignment: bytes("a1") }, { memberId: "member-2", assignment: bytes("a2") }] },
  response: { throttleTimeMs: 0, errorCode: 0, assignment: bytes("a1") },
  kafkajsRequest: { path: "syncGroup/v3", args: { groupId: "orders", generationId: 3, memberId: "member-1", groupInstanceId: null, groupAssignment: [{ memberId: "member-1", memberAssignment: Buffer.from("a1") }, { memberId: "member-2", memberAssignment: Buffer.from("a2") }] } },
  kafkajsResponse: { path: "syncGroup/v3", expected: { errorCode: 0, memberAssignment: bytes("a1") } },
});
