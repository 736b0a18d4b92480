// DescribeGroups v4: adds group_instance_id per member (kafkajs has no v4: checked against the grammar).
import { codecSuite, bytes } from "./groups-codec.ts";
import { describeGroupsVersions } from "../../runtime/kafka/apis/describeGroups/index.ts";
import { string } from "../../runtime/kafka/protocol/types.ts";

codecSuite("DescribeGroups v4", {
  versions: describeGroupsVersions,
  version: 4,
  request: { groups: ["orders", "gone"], includeAuthorizedOperations: false },
  response: { throttleTimeMs: 0, groups: [{ errorCode: 0, groupId: "orders", groupState: "Stable", protocolType: "consumer", protocolData: "range", members: [{ memberId: "member-1", groupInstanceId: null, clientId: "c", clientHost: "/127.0.0.1", memberMetadata: bytes("md"), memberAssignment: bytes("as") }], authorizedOperations: -2147483648 }, { errorCode: 0, groupId: "gone", groupState: "Dead", protocolType: "", protocolData: "", members: [], authorizedOperations: -2147483648 }] },
  grammarRequest: (w) => {
    w.int32(2);
    string.write(w, "orders");
    string.write(w, "gone");
    w.int8(0); // include_authorized_operations
  },
});
