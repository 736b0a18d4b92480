// JoinGroup v4: same wire as v3; a first join is answered MEMBER_ID_REQUIRED (79) with an id.
import { codecSuite, bytes } from "./groups-codec.ts";
import { joinGroupVersions } from "../../runtime/kafka/apis/joinGroup/index.ts";

codecSuite("JoinGroup v4", {
  versions: joinGroupVersions,
  version: 4,
  request: { groupId: "orders", sessionTimeoutMs: 30000, rebalanceTimeoutMs: 60000, memberId: "", protocolType: "consumer", protocols: [{ name: "RoundRobinAssigner", metadata: bytes("sub") }] },
  response: { throttleTimeMs: 0, errorCode: 79, generationId: -1, protocolName: "", leader: "", memberId: "client-1-abc", members: [] },
  kafkajsRequest: { path: "joinGroup/v4", args: { groupId: "orders", sessionTimeout: 30000, rebalanceTimeout: 60000, memberId: "", protocolType: "consumer", groupProtocols: [{ name: "RoundRobinAssigner", metadata: Buffer.from("sub") }] } },
  kafkajsResponse: { path: "joinGroup/v4", expected: { errorCode: 79, generationId: -1, memberId: "client-1-abc", members: [] } },
});
