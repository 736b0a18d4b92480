// PINGREQ → PINGRESP [MQTT-3.12.4-1].
import type { IPingreqPacket } from "mqtt-packet";
import type { PacketHandler } from "./types.ts";

export const handlePingreq: PacketHandler<IPingreqPacket> = (c) => {
  c.send({ cmd: "pingresp" });
};
