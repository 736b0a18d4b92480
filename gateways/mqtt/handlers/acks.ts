// Acknowledgements of our deliveries: PUBACK ends QoS 1, PUBREC moves QoS 2 to PUBREL, PUBCOMP
// ends QoS 2. An id we never sent is ignored on PUBACK/PUBCOMP (the spec allows late acks
// after a resend) and answered with PUBREL 0x92 on PUBREC (MQTT 5 §4.3.3).
import type { IPubackPacket, IPubcompPacket, IPubrecPacket } from "mqtt-packet";
import { Reason } from "../reason-codes.ts";
import type { PacketHandler } from "./types.ts";

export const handlePuback: PacketHandler<IPubackPacket> = (c, packet) => {
  c.session!.completed(packet.messageId!, "publish");
};

export const handlePubcomp: PacketHandler<IPubcompPacket> = (c, packet) => {
  c.session!.completed(packet.messageId!, "pubrel");
};

export const handlePubrec: PacketHandler<IPubrecPacket> = (c, packet) => {
  const session = c.session!;
  const id = packet.messageId!;
  // MQTT 5: a PUBREC with an error reason ends the flow (MQTT 5 §4.3.3); no PUBREL follows.
  if ((packet.reasonCode ?? 0) >= 0x80) {
    session.completed(id, "publish");
    return;
  }
  const item = session.received(id);
  if (item) {
    // A persistent session stores that the client has it before the PUBREL: after a crash the
    // PUBREL is sent again, never the PUBLISH (exactly once).
    // Reading goes on meanwhile: the writes of one turn are one, and PUBRELs follow in PUBREC order.
    if ((item.cursor && session.persistent) || item.share) {
      c.broker.storeCursors(session, item).then(() => c.send({ cmd: "pubrel", messageId: id }), (err: Error) => {
        c.logger.error(`storing that ${c.who} holds QoS 2 delivery ${id} failed: ${err.message}; disconnecting it, the delivery is completed after it reconnects`);
        c.disconnect(Reason.unspecifiedError, "could not store the delivery state");
      });
      return;
    }
    c.send({ cmd: "pubrel", messageId: id });
  }
  else if (c.protocolVersion === 5) c.send({ cmd: "pubrel", messageId: id, reasonCode: Reason.packetIdentifierNotFound, properties: { reasonString: `no QoS 2 delivery with packet id ${id} in flight` } });
  else c.send({ cmd: "pubrel", messageId: id });
};
