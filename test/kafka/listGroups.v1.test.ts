// ListGroups v1: adds throttle_time_ms to the response.
import { codecSuite } from "./groups-codec.ts";
import { listGroupsVersions } from "../../runtime/kafka/apis/listGroups/index.ts";

codecSuite("ListGroups v1", {
  versions: listGroupsVersions,
  version: 1,
  request: {},
  response: { throttleTimeMs: 0, errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] },
  kafkajsRequest: { path: "listGroups/v1", args: {} },
  kafkajsResponse: { path: "listGroups/v1", expected: { errorCode: 0, groups: [{ groupId: "orders", protocolType: "consumer" }, { groupId: "audit", protocolType: "consumer" }] } },
});
