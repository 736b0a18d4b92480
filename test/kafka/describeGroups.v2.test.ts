// DescribeGroups v2: same as v1.
import { codecSuite, bytes } from "./groups-codec.ts";
import { describeGroupsVersions } from "../../runtime/kafka/apis/describeGroups/index.ts";

codecSuite("DescribeGroups v2", {
  versions: describeGroupsVersions,
  version: 2,
  request: { groups: ["orders", "gone"] },
  response: { throttleTimeMs: 0, groups: [{ errorCode: 0, groupId: "orders", groupState: "Stable", protocolType: "consumer", protocolData: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { errorCode: 0, groupId: "gone", groupState: "Dead", protocolType: "", protocolData: "", members: [] }] },
  kafkajsRequest: { path: "describeGroups/v2", args: { groupIds: ["orders", "gone"] } },
  kafkajsResponse: { path: "describeGroups/v2", expected: { groups: [{ errorCode: 0, groupId: "orders", state: "Stable", protocolType: "consumer", protocol: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { groupId: "gone", state: "Dead", members: [] }] } },
});
