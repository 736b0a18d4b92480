// FindCoordinator v0: codec checks against kafkajs and truncated bodies.
import { codecSuite } from "./groups-codec.ts";
import { findCoordinatorVersions } from "../../runtime/kafka/apis/findCoordinator/index.ts";

codecSuite("FindCoordinator v0", {
  versions: findCoordinatorVersions,
  version: 0,
  request: { key: "orders" },
  response: { errorCode: 0, nodeId: 0, host: "127.0.0.1", port: 9092 },
  kafkajsRequest: { path: "findCoordinator/v0", args: { groupId: "orders" } },
  kafkajsResponse: { path: "findCoordinator/v0", expected: { errorCode: 0, coordinator: { nodeId: 0, host: "127.0.0.1", port: 9092 } } },
});
