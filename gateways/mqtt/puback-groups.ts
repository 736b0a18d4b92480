// QoS 1 PUBACKs in groups. The PUBLISHes one connection sends in one event-loop turn to the
// same log partition land in one batch and become durable together, so they share ONE link
// in the connection's ack chain and leave as ONE buffer: per message this costs a packet id
// in an array, not two promises, a closure and a 4-byte buffer. Order [MQTT-4.6.0-2] holds
// because a group only grows while it is the chain's last link (any other link closes it).
import type { MqttConnection } from "./connection.ts";
import { Reason } from "./reason-codes.ts";

export interface PubackGroup {
  /** The batch's durability promise every id in the group waits for. */
  readonly durable: Promise<void>;
  readonly ids: number[];
}

/** Queues the PUBACK for `id`, sent once `durable` resolves and every earlier ack has gone. */
export function queuePuback(c: MqttConnection, id: number, durable: Promise<void>, topic: string): void {
  c.inboundInflight++;
  const open = c.openPubackGroup;
  if (open !== undefined && open.durable === durable) {
    open.ids.push(id);
    return;
  }
  const group: PubackGroup = { durable, ids: [id] };
  c.ackChain = c.ackChain.then(() => durable).then(
    () => settle(c, group, undefined, topic),
    (err: Error) => settle(c, group, err, topic),
  );
  c.openPubackGroup = group; // after the chain assignment, which closes any open group
}

function settle(c: MqttConnection, group: PubackGroup, err: Error | undefined, topic: string): void {
  if (c.openPubackGroup === group) c.openPubackGroup = undefined;
  const ids = group.ids;
  c.inboundInflight -= ids.length;
  if (err) return failed(c, ids, err, topic);
  // Success needs no reason byte in either version [MQTT-3.4.2-1]: four fixed bytes each.
  const bytes = Buffer.allocUnsafe(4 * ids.length);
  for (let i = 0; i < ids.length; i++) {
    const at = 4 * i;
    bytes[at] = 0x40;
    bytes[at + 1] = 2;
    bytes[at + 2] = ids[i] >> 8;
    bytes[at + 3] = ids[i] & 0xff;
  }
  c.sendBytes(bytes);
}

function failed(c: MqttConnection, ids: number[], err: Error, topic: string): void {
  const what = ids.length === 1 ? "a PUBLISH" : `${ids.length} PUBLISHes`;
  const where = ids.length === 1 ? `'${topic}'` : `'${topic}' and others in the same log batch`;
  c.broker.logger.error(`could not store ${what} from ${c.who} to ${where}: ${err.message}`);
  if (c.protocolVersion !== 5) return c.disconnect(Reason.unspecifiedError); // 3.1.1: no negative ack
  for (const messageId of ids) {
    c.send({ cmd: "puback", messageId, reasonCode: Reason.unspecifiedError, properties: { reasonString: "the message could not be stored; retry later" } });
  }
}
