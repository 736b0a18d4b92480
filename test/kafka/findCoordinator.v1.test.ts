// FindCoordinator v1: codec checks against kafkajs and truncated bodies.
import { codecSuite } from "./groups-codec.ts";
import { findCoordinatorVersions } from "../../runtime/kafka/apis/findCoordinator/index.ts";

codecSuite("FindCoordinator v1", {
  versions: findCoordinatorVersions,
  version: 1,
  request: { key: "orders", keyType: 0 },
  response: { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: "127.0.0.1", port: 9092 },
  kafkajsRequest: { path: "findCoordinator/v1", args: { coordinatorKey: "orders", coordinatorType: 0 } },
  kafkajsResponse: { path: "findCoordinator/v1", expected: { errorCode: 0, errorMessage: null, coordinator: { nodeId: 0, host: "127.0.0.1", port: 9092 } } },
});
