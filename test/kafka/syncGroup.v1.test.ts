// SyncGroup v1: adds throttle_time_ms to the response.
import { codecSuite, bytes } from "./groups-codec.ts";
import { syncGroupVersions } from "../../runtime/kafka/apis/syncGroup/index.ts";

codecSuite("SyncGroup v1", {
  versions: syncGroupVersions,
  version: 1,
  request: { groupId: "orders", generationId: 3, memberId: "member-1", assignments: [{ memberId: "member-1", assignment: bytes("a1") }, { memberId: "member-2", assignment: bytes("a2") }] },
  response: { throttleTimeMs: 0, errorCode: 0, assignment: bytes("a1") },
  kafkajsRequest: { path: "syncGroup/v1", args: { groupId: "orders", generationId: 3, memberId: "member-1", groupAssignment: [{ memberId: "member-1", memberAssignment: Buffer.from("a1") }, { memberId: "member-2", memberAssignment: Buffer.from("a2") }] } },
  kafkajsResponse: { path: "syncGroup/v1", expected: { errorCode: 0, memberAssignment: bytes("a1") } },
});
