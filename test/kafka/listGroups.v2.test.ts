// ListGroups v2: same as v1.
import { codecSuite } from "./groups-codec.ts";
import { listGroupsVersions } from "../../runtime/kafka/apis/listGroups/index.ts";

codecSuite("ListGroups v2", {
  versions: listGroupsVersions,
  version: 2,
  request: {},
  response: { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] },
  kafkajsRequest: { path: "listGroups/v2", args: {} },
  kafkajsResponse: { path: "listGroups/v2", expected: { errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] } },
});
