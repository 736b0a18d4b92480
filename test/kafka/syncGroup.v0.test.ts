// SyncGroup v0: the first version.
import { codecSuite, bytes } from "./groups-codec.ts";
import { syncGroupVersions } from "../../runtime/kafka/apis/syncGroup/index.ts";

codecSuite("SyncGroup v0", {
  versions: syncGroupVersions,
  version: 0,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", assignments: [{ memberId: "member-1", assignment: bytes("a1") }, { memberId: "member-2", assignment: bytes("a2") }] },
  response: { errorCode: 0, assignment: bytes("a1") },
  kafkajsRequest: { path: "syncGroup/v0", args: { groupId: "orders", generationId: 3, memberId: "member-1", groupAssignment: [{ memberId: "member-1", memberAssignment: Buffer.from("a1") }, { memberId: "member-2", memberAssignment: Buffer.from("a2") }] } },
  kafkajsResponse: { path: "syncGroup/v0", expected: { errorCode: 0, memberAssignment: bytes("a1") } },
});
