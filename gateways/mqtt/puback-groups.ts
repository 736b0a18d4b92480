// QoS 1 PUBACKs in groups. The PUBLISHes one connection sends in one event-loop turn to the
// same log partition land in one batch and become durable together, so they share ONE link
// in the connection's ack chain and their PUBACKs are written, as they arrive, into ONE buffer
// that leaves as is: per message this costs four bytes, no object, promise or closure. Order
// [MQTT-4.6.0-2] holds because a group only grows while it is the chain's last link (any other
// link closes it).
import type { Packet } from "mqtt-packet";
import type { Logger } from "../../runtime/logger.ts";
import { ackSuccessBytes, writeAckSuccess } from "./packet-writer.ts";
import { notStoredReason, Reason } from "./reason-codes.ts";

export interface PubackGroup {
  /** The batch's durability promise every id in the group waits for. */
  readonly durable: Promise<void>;
  /** The group's PUBACK packets (packet-writer.ts), `ackSuccessBytes` each; `count` of them are filled. */
  bytes: Buffer;
  count: number;
}

/** What the groups read and change of a client (handlers/context.ts's ClientContext). */
export interface PubackClient {
  readonly protocolVersion: number;
  readonly who: string;
  readonly logger: Logger;
  inboundInflight: number;
  openPubackGroup: PubackGroup | undefined;
  /** Setting it closes the open group. */
  ackChain: Promise<void>;
  send(packet: Packet): void;
  sendBytes(bytes: Buffer): void;
  disconnect(reason: number): void;
}

/** PUBACKs a new group has room for before it grows (a pool slice: no allocation of its own). */
const groupCountStart = 16;

/** Queues the PUBACK for `id`, sent once `durable` resolves and every earlier ack has gone. */
export function queuePuback(c: PubackClient, id: number, durable: Promise<void>, topic: string): void {
  c.inboundInflight++;
  const open = c.openPubackGroup;
  if (open !== undefined && open.durable === durable) return addPuback(open, id);
  const group: PubackGroup = { durable, bytes: Buffer.allocUnsafe(ackSuccessBytes * groupCountStart), count: 0 };
  addPuback(group, id);
  c.ackChain = c.ackChain.then(() => durable).then(
    () => settle(c, group, undefined, topic),
    (err: Error) => settle(c, group, err, topic),
  );
  c.openPubackGroup = group; // after the chain assignment, which closes any open group
}

function addPuback(group: PubackGroup, id: number): void {
  const at = ackSuccessBytes * group.count;
  if (at === group.bytes.length) {
    const grown = Buffer.allocUnsafe(2 * group.bytes.length);
    group.bytes.copy(grown, 0, 0, at);
    group.bytes = grown;
  }
  writeAckSuccess(group.bytes, at, "puback", id);
  group.count++;
}

function settle(c: PubackClient, group: PubackGroup, err: Error | undefined, topic: string): void {
  if (c.openPubackGroup === group) c.openPubackGroup = undefined;
  c.inboundInflight -= group.count;
  if (err) return failed(c, idsOf(group), err, topic);
  const filled = ackSuccessBytes * group.count;
  c.sendBytes(filled === group.bytes.length ? group.bytes : group.bytes.subarray(0, filled));
}

function idsOf(group: PubackGroup): number[] {
  const ids: number[] = [];
  for (let i = 0; i < group.count; i++) ids.push(group.bytes.readUInt16BE(ackSuccessBytes * i + 2));
  return ids;
}

function failed(c: PubackClient, ids: number[], err: Error, topic: string): void {
  const what = ids.length === 1 ? "a PUBLISH" : `${ids.length} PUBLISHes`;
  const where = ids.length === 1 ? `'${topic}'` : `'${topic}' and others in the same log batch`;
  c.logger.error(`could not store ${what} from ${c.who} to ${where}: ${err.message}`);
  if (c.protocolVersion !== 5) return c.disconnect(Reason.unspecifiedError); // 3.1.1: no negative ack
  for (const messageId of ids) {
    c.send({ cmd: "puback", messageId, reasonCode: Reason.unspecifiedError, properties: { reasonString: notStoredReason(err) } });
  }
}
