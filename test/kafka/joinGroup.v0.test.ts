// JoinGroup v0: the first version (session timeout doubles as rebalance timeout).
import { codecSuite, bytes } from "./groups-codec.ts";
import { joinGroupVersions } from "../../runtime/kafka/apis/joinGroup/index.ts";

codecSuite("JoinGroup v0", {
  versions: joinGroupVersions,
  version: 0,
  request: { groupId: "orders", sessionTimeoutMs: 30000, memberId: "member-1", protocolType: "consumer", protocols: [{ name: "RoundRobinAssigner", metadata: bytes("sub") }] },
  response: { errorCode: 0, generationId: 3, protocolName: "RoundRobinAssigner", leader: "member-1", memberId: "member-1", members: [{ memberId: "member-1", metadata: bytes("sub") }] },
  kafkajsRequest: { path: "joinGroup/v0", args: { groupId: "orders", sessionTimeout: 30000, memberId: "member-1", protocolType: "consumer", groupProtocols: [{ name: "RoundRobinAssigner", metadata: Buffer.from("sub") }] } },
  kafkajsResponse: { path: "joinGroup/v0", expected: { errorCode: 0, generationId: 3, groupProtocol: "RoundRobinAssigner", leaderId: "member-1", memberId: "member-1", members: [{ memberId: "member-1", memberMetadata: bytes("sub") }] } },
});
