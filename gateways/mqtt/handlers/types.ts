// The one shape every packet handler has. A handler validates before any side effect; a
// returned promise holds back reading the next packet until it settles.
import type { Packet } from "mqtt-packet";
import type { MqttConnection } from "../connection.ts";

export type PacketHandler<P extends Packet> = (c: MqttConnection, packet: P) => Promise<void> | void;
