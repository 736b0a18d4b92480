// DescribeGroups v0: the first version.
import { codecSuite, bytes } from "./groups-codec.ts";
import { describeGroupsVersions } from "../../runtime/kafka/apis/describeGroups/index.ts";

codecSuite("DescribeGroups v0", {
  versions: describeGroupsVersions,
  version: 0,
  request: { groups: ["orders", "gone"] },
  response: { groups: [{ errorCode: 0, groupId: "orders", groupState: "Stable", protocolType: "consumer", protocolData: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { errorCode: 0, groupId: "gone", groupState: "Dead", protocolType: "", protocolData: "", members: [] }] },
  kafkajsRequest: { path: "describeGroups/v0", args: { groupIds: ["orders", "gone"] } },
  kafkajsResponse: { path: "describeGroups/v0", expected: { groups: [{ errorCode: 0, groupId: "orders", state: "Stable", protocolType: "consumer", protocol: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }] }, { groupId: "gone", state: "Dead", members: [] }] } },
});
