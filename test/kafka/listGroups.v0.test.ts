// ListGroups v0: an empty request; groups with their protocol type.
import { codecSuite } from "./groups-codec.ts";
import { listGroupsVersions } from "../../runtime/kafka/apis/listGroups/index.ts";

codecSuite("ListGroups v0", {
  versions: listGroupsVersions,
  version: 0,
  request: {},
  response: { errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] },
  kafkajsRequest: { path: "listGroups/v0", args: {} },
  kafkajsResponse: { path: "listGroups/v0", expected: { errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] } },
});
