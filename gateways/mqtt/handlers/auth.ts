// AUTH (MQTT 5 enhanced authentication): ledge offers no authentication methods, so an AUTH
// packet is a protocol error (MQTT 5 §4.12: AUTH only follows a CONNECT with an Authentication Method).
import type { IAuthPacket } from "mqtt-packet";
import { Reason } from "../reason-codes.ts";
import type { PacketHandler } from "./types.ts";

export const handleAuth: PacketHandler<IAuthPacket> = (c) => {
  c.protocolFailure(Reason.protocolError, "AUTH without an authentication method in CONNECT (ledge supports none)");
};
