// DescribeGroups v1: adds throttle_time_ms to the response.
import { codecSuite, bytes } from "./groups-codec.ts";
import { describeGroupsVersions } from "../../runtime/kafka/apis/describeGroups/index.ts";

codecSuite("DescribeGroups v1", {
  versions: describeGroupsVersions,
  version: 1,
  request: { groups: ["orders", "gone"] },
  response: { throttleTimeMs: 0, groups: [{ errorCode: 0, groupId: "orders", groupState: "Stable", protocolType: "consumer", protocolData: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { errorCode: 0, groupId: "gone", groupState: "Dead", protocolType: "", protocolData: "", members: [] }] },
  kafkajsRequest: { path: "describeGroups/v1", args: { groupIds: ["orders", "gone"] } },
  kafkajsResponse: { path: "describeGroups/v1", expected: { groups: [{ errorCode: 0, groupId: "orders", state: "Stable", protocolType: "consumer", protocol: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { groupId: "gone", state: "Dead", members: [] }] } },
});
