// PUBREL for a QoS 2 PUBLISH we stored: forget the id (a later PUBLISH with it is new) and
// answer PUBCOMP (MQTT 5 §4.3.3). An unknown id gets PUBCOMP 0x92 on MQTT 5.
import type { IPubrelPacket } from "mqtt-packet";
import { Reason } from "../reason-codes.ts";
import type { PacketHandler } from "./types.ts";

export const handlePubrel: PacketHandler<IPubrelPacket> = (c, packet) => {
  const id = packet.messageId!;
  const session = c.session!;
  const known = session.incomingQos2.delete(id);
  // A persistent session forgets the id on disk before PUBCOMP frees it for reuse; otherwise a
  // restart could mistake the next PUBLISH with this id for a resend and drop it.
  const forgotten = known && session.persistent ? c.broker.saveSession(session).catch(() => undefined) : undefined;
  // Behind pending PUBRECs so the flow's packets keep their order.
  c.ackChain = c.ackChain.then(() => forgotten).then(() => {
    if (known || c.protocolVersion !== 5) c.send({ cmd: "pubcomp", messageId: id });
    else c.send({ cmd: "pubcomp", messageId: id, reasonCode: Reason.packetIdentifierNotFound, properties: { reasonString: `no QoS 2 PUBLISH with packet id ${id} awaits PUBREL` } });
  });
};
