// UNSUBSCRIBE: remove each filter; UNSUBACK carries one code per filter on MQTT 5
// (0x00 or 0x11 No subscription existed) (MQTT 5 §3.11.3).
import type { IUnsubscribePacket } from "mqtt-packet";
import { Reason } from "../reason-codes.ts";
import type { PacketHandler } from "./types.ts";

export const handleUnsubscribe: PacketHandler<IUnsubscribePacket> = async (c, packet) => {
  const broker = c.broker;
  const session = c.session!;
  const codes = packet.unsubscriptions.map((filter) =>
    broker.removeSubscription(session, filter) ? Reason.success : Reason.noSubscriptionExisted);
  if (session.persistent && codes.includes(Reason.success)) await broker.saveSession(session);
  if (c.closed) return;
  if (c.protocolVersion === 5) c.send({ cmd: "unsuback", messageId: packet.messageId, granted: codes });
  else c.send({ cmd: "unsuback", messageId: packet.messageId, granted: [] } as never);
};
