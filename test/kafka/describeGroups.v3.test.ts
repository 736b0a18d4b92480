// DescribeGroups v3: adds include_authorized_operations and authorized_operations (kafkajs has no v3: checked against the grammar).
import { codecSuite, bytes } from "./groups-codec.ts";
import { describeGroupsVersions } from "../../runtime/kafka/apis/describeGroups/index.ts";
import { string } from "../../runtime/kafka/protocol/types.ts";

codecSuite("DescribeGroups v3", {
  versions: describeGroupsVersions,
  version: 3,
  request: { groups: ["orders", "gone"], includeAuthorizedOperations: false },
  response: { throttleTimeMs: 0, groups: [{ errorCode: 0, groupId: "orders", groupState: "Stable", protocolType: "consumer", protocolData: "range", members: [{ memberId: "member-1", clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }], authorizedOperations: -2147483648 }, { errorCode: 0, groupId: "gone", groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: -2147483648 }] },
  grammarRequest: (w) => {
    w.int32(2);
    string.write(w, "orders");
    string.write(w, "gone");
    w.int8(0); // include_authorized_operations
  },
});
