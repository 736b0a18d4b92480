// DISCONNECT from the client. Reason 0x00 discards the will [MQTT-3.14.4-3]; 0x04 keeps it.
// MQTT 5 may change the session expiry, but not from 0 to non-zero [MQTT-3.14.2-2].
import type { IDisconnectPacket } from "mqtt-packet";
import { Reason } from "../reason-codes.ts";
import type { PacketHandler } from "./types.ts";

export const handleDisconnect: PacketHandler<IDisconnectPacket> = (c, packet) => {
  const expiry = packet.properties?.sessionExpiryInterval;
  const session = c.session;
  if (expiry !== undefined && session) {
    if (session.expiryS === 0 && expiry > 0) {
      return c.protocolFailure(Reason.protocolError, "DISCONNECT sets a session expiry after CONNECT set 0 [MQTT-3.14.2-2]");
    }
    session.expiryS = Math.min(expiry, c.limits.sessionExpirySecondsMax);
  }
  c.willCleared = (packet.reasonCode ?? 0) !== Reason.disconnectWithWill;
  c.close();
};
