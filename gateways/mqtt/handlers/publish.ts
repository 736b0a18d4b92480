// PUBLISH from a client: limits, topic alias, topic and ACL checks first (no side effect before
// they pass), then the log. QoS 1 PUBACK / QoS 2 PUBREC only once the append is durable, and
// in the order the PUBLISHes arrived [MQTT-4.6.0-2]. QoS 0 waits only for room (backpressure).
import { isUtf8 } from "node:buffer";
import type { IPublishPacket } from "mqtt-packet";
import { canPublish, publishDeniedAction } from "../auth.ts";
import type { ClientContext } from "./context.ts";
import type { BrokerMessage, MessageProperties } from "../message.ts";
import { encodeAckSuccess } from "../packet-writer.ts";
import { queuePuback } from "../puback-groups.ts";
import { toPublishPacket, type PlainPublish } from "../publish-fast-path.ts";
import { notStoredReason, Reason } from "../reason-codes.ts";
import { validateTopicName } from "../topics.ts";
import type { PacketHandler } from "./types.ts";

/** Token bucket per connection: mqtt.limits.publishCountPerSecondMax. */
function overRate(c: ClientContext): boolean {
  const max = c.limits.publishCountPerSecondMax;
  const now = Date.now();
  c.rateTokens = Math.min(max, c.rateTokens + ((now - c.rateRefilledAtMs) * max) / 1000);
  c.rateRefilledAtMs = now;
  if (c.rateTokens < 1) return true;
  c.rateTokens -= 1;
  return false;
}

function limitBreach(c: ClientContext, reason: number, message: string): void {
  c.metrics.limitBreaches.inc();
  c.logger.warn(`closing ${c.who}: ${message}; the client must slow down or the limit be raised`);
  c.disconnect(reason, message);
}

/** Resolves the MQTT 5 topic alias [MQTT-3.3.2-12..]; undefined after closing on a bad one. */
function resolveTopic(c: ClientContext, packet: IPublishPacket): string | undefined {
  const alias = packet.properties?.topicAlias;
  if (alias === undefined) return packet.topic;
  if (alias === 0 || alias > c.limits.topicAliasCountMax) {
    c.protocolFailure(Reason.topicAliasInvalid, `topic alias ${alias} is outside 1..${c.limits.topicAliasCountMax} [MQTT-3.3.2-9]`);
    return undefined;
  }
  if (packet.topic !== "") {
    c.topicAliasesIn.set(alias, packet.topic);
    return packet.topic;
  }
  const known = c.topicAliasesIn.get(alias);
  if (known === undefined) c.protocolFailure(Reason.protocolError, `topic alias ${alias} was never set on this connection`);
  return known;
}

function toMessage(packet: IPublishPacket, topic: string): BrokerMessage {
  const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
  const message: BrokerMessage = { topic, payload, qos: packet.qos, retain: packet.retain };
  if (packet.properties) {
    const { topicAlias, subscriptionIdentifier, ...rest } = packet.properties;
    const properties: MessageProperties = rest;
    if (Object.keys(properties).length > 0) message.properties = properties;
    if (rest.messageExpiryInterval !== undefined) message.expiresAtMs = Date.now() + rest.messageExpiryInterval * 1000;
  }
  return message;
}

/** Sends PUBACK (QoS 1) or PUBREC (QoS 2) with a reason; 3.1.1 has no reason byte. */
function ack(c: ClientContext, packet: IPublishPacket, reason: number, reasonString?: string): void {
  const id = packet.messageId!;
  const cmd = packet.qos === 1 ? "puback" : "pubrec";
  if (reason === Reason.success) return c.sendBytes(encodeAckSuccess(cmd, id));
  if (c.protocolVersion === 5) {
    c.send({ cmd, messageId: packet.messageId, reasonCode: reason, properties: reasonString ? { reasonString } : undefined });
  } else c.send({ cmd, messageId: packet.messageId });
}

/**
 * QoS 1 and 2 PUBLISHes the client has outstanding against our Receive Maximum: a QoS 1 one until
 * its PUBACK is sent, a QoS 2 one until its PUBCOMP [MQTT-3.3.4-9] (it waits in incomingQos2 from
 * receipt to PUBREL; those whose store is still pending are in inboundInflight too).
 */
function inboundUnacknowledged(c: ClientContext): number {
  const s = c.session;
  if (!s) return c.inboundInflight;
  return c.inboundInflight + s.incomingQos2.size - s.incomingQos2Pending.size;
}

export const handlePublish: PacketHandler<IPublishPacket> = (c, packet) => {
  const limits = c.limits;
  if (overRate(c)) return limitBreach(c, Reason.messageRateTooHigh, `more than ${limits.publishCountPerSecondMax} PUBLISH/s (mqtt.limits.publishCountPerSecondMax)`);
  // MQTT 5 clients were told our Receive Maximum; 3.1.1 has none, so we stop reading until our
  // own acks are out instead (a QoS 2 flow awaiting the client's PUBREL must not hold reading).
  if (packet.qos > 0 && c.protocolVersion !== 5 && c.inboundInflight >= limits.inflightCountMax) return c.ackChain.then(() => handlePublish(c, packet));
  if (packet.qos > 0 && c.protocolVersion === 5 && inboundUnacknowledged(c) >= limits.inflightCountMax && !(packet.qos === 2 && c.session?.hasIncomingQos2(packet.messageId!))) {
    return limitBreach(c, Reason.receiveMaximumExceeded, `more than ${limits.inflightCountMax} unacknowledged QoS 1/2 PUBLISHes (receive maximum) [MQTT-3.3.4-9]`);
  }
  const topic = resolveTopic(c, packet);
  if (topic === undefined) return;
  if (topic !== c.lastAllowedTopic) {
    const problem = validateTopicName(topic, limits.topicLevelCountMax, limits.topicBytesMax);
    if (problem) return c.protocolFailure(Reason.topicNameInvalid, `PUBLISH topic '${topic.slice(0, 100)}': ${problem}`);
    if (!canPublish(c.identity!, topic)) return denied(c, packet, topic);
    c.lastAllowedTopic = topic; // devices repeat their topic: skip both checks next time
  }
  const session = c.session!;
  if (packet.qos === 2 && session.hasIncomingQos2(packet.messageId!)) {
    // A resent QoS 2 PUBLISH we already stored: answer again, store nothing (MQTT 5 §4.3.3, 3.1.1 §4.3.3).
    chainAck(c, packet, session.incomingQos2Pending.get(packet.messageId!) ?? Promise.resolve(Reason.success));
    return;
  }
  const message = toMessage(packet, topic);
  if (message.properties?.payloadFormatIndicator && !isUtf8(message.payload)) {
    // [MQTT-3.3.2-4] lets the receiver check the promise: 0x99 Payload format invalid.
    c.metrics.payloadCheckFailed.inc();
    if (packet.qos > 0) chainAck(c, packet, Promise.resolve(Reason.payloadFormatInvalid), "the payload format indicator says UTF-8, the payload is not");
    return;
  }
  message.originClientId = c.clientId;
  const outcome = c.broker.publish(message);
  if (!outcome.ok) {
    if (packet.qos > 0) chainAck(c, packet, Promise.resolve(c.protocolVersion === 5 ? Reason.payloadFormatInvalid : Reason.success), outcome.message);
    return;
  }
  if (packet.qos === 1) queuePuback(c, packet.messageId!, outcome.durable, topic);
  else if (packet.qos === 2) queuePubrec(c, packet, outcome.durable, topic);
  return c.broker.whenRoom();
};

/** The hot path: a QoS 0/1 PUBLISH without properties or retain flag, to a topic this
 * connection already passed the checks for, goes from the frame bytes to the ingest batch with
 * no packet or message object. Anything else (first use of a topic, QoS 2, retained, a full
 * inflight window, a refused payload) takes the packet path above, which does every check. */
export function handlePlainPublish(c: ClientContext, p: PlainPublish): Promise<void> | void {
  const limits = c.limits;
  const unusual = p.qos === 2 || p.retain || p.topic !== c.lastAllowedTopic || c.broker.closing;
  if (unusual || (p.qos === 1 && c.inboundInflight >= limits.inflightCountMax)) return handlePublish(c, toPublishPacket(p));
  if (overRate(c)) return limitBreach(c, Reason.messageRateTooHigh, `more than ${limits.publishCountPerSecondMax} PUBLISH/s (mqtt.limits.publishCountPerSecondMax)`);
  const broker = c.broker;
  const outcome = broker.publishPlain(p.topic, p.buffer, p.payloadStart, p.payloadEnd, p.qos, c.clientId);
  if (!outcome.ok) {
    if (p.qos > 0) chainAck(c, toPublishPacket(p), Promise.resolve(c.protocolVersion === 5 ? Reason.payloadFormatInvalid : Reason.success), outcome.message);
    return;
  }
  if (p.qos === 1) queuePuback(c, p.messageId, outcome.durable, p.topic);
  return broker.whenRoom();
}

/** QoS 2: PUBREC once durable (and, for persistent sessions, once the id is saved). */
function queuePubrec(c: ClientContext, packet: IPublishPacket, durable: Promise<void>, topic: string): void {
  const session = c.session!;
  const id = packet.messageId!;
  const stored = session.persistent ? qos2Remembered(c, durable, id) : durable;
  let reasonString: string | undefined;
  const settled = stored.then(
    () => Reason.success,
    (err: Error) => {
      c.logger.error(`could not store a PUBLISH from ${c.who} to '${topic}': ${err.message}`);
      reasonString = notStoredReason(err);
      return Reason.unspecifiedError;
    },
  );
  session.incomingQos2.add(id);
  session.incomingQos2Pending.set(id, settled);
  void settled.then(() => session.incomingQos2Pending.delete(id));
  chainAck(c, packet, settled, () => reasonString);
}

/** A persistent session's QoS 2 id is saved with the session before PUBREC, so a resend
 * after a ledge restart is still recognised and not stored twice. */
function qos2Remembered(c: ClientContext, durable: Promise<void>, id: number): Promise<void> {
  const session = c.session!;
  return durable.then(() => {
    session.incomingQos2.add(id);
    return c.broker.saveSession(session);
  });
}

/** Queues the ack behind earlier ones so acks leave in PUBLISH order. `reasonString` may be
 * known only once `result` settles (why a message was not stored). */
function chainAck(c: ClientContext, packet: IPublishPacket, result: Promise<number>, reasonString?: string | (() => string | undefined)): void {
  c.inboundInflight++;
  c.ackChain = c.ackChain.then(() => result).then((reason) => {
    c.inboundInflight--;
    if (reason !== Reason.success && packet.qos === 2) c.session?.incomingQos2.delete(packet.messageId!);
    if (reason === Reason.unspecifiedError && c.protocolVersion !== 5) return c.disconnect(reason); // 3.1.1: no negative ack
    const text = typeof reasonString === "function" ? reasonString() : reasonString;
    ack(c, packet, reason, text ?? (reason === Reason.unspecifiedError ? notStoredReason(undefined) : undefined));
  });
}

function denied(c: ClientContext, packet: IPublishPacket, topic: string): void {
  c.metrics.publishDenied.inc();
  const action = publishDeniedAction(c.protocolVersion, packet.qos);
  const message = `${c.identity!.name} may not publish to '${topic}'`;
  c.logger.warn(`${message} (${c.who}); check mqtt.users acl`);
  if (action.action === "disconnect") return c.disconnect(Reason.notAuthorized, message);
  if (action.action === "ack") chainAck(c, packet, Promise.resolve(action.reasonCode), message);
}
