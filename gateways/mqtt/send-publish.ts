// One outgoing PUBLISH to a subscriber: expiry counted down [MQTT-3.3.2-6], the client's
// maximum packet size respected [MQTT-3.1.2-25], topic aliases assigned up to the client's
// Topic Alias Maximum, subscription identifier attached [MQTT-3.3.4-3].
import type { IPublishPacket, QoS } from "mqtt-packet";
import type { BatchColumns } from "../../runtime/core/index.ts";
import { remainingExpiryS, type BrokerMessage } from "./message.ts";
import { encodedBytes, plainPublishBytes, publishBytes } from "./packet-writer.ts";
import type { MqttMetrics } from "./metrics.ts";
import type { Outgoing, SessionConnection } from "./session.ts";

export function sendPublish(metrics: MqttMetrics, c: SessionConnection, item: Outgoing, dup: boolean): boolean {
  const m = item.message;
  const expiry = remainingExpiryS(m, Date.now());
  if (expiry === -1) {
    metrics.dropped.inc();
    return false;
  }
  const v5 = c.protocolVersion === 5;
  if (!v5 || (expiry === undefined && item.subscriptionId === undefined && c.clientTopicAliasMax === 0 && hasNoProperties(m.properties))) {
    // The common delivery (3.1.1, or MQTT 5 with no property to send): no packet object.
    if (plainPublishBytes(m.topic, m.payload, item.qos, v5) > c.clientPacketBytesMax) {
      metrics.dropped.inc(); // [MQTT-3.1.2-25]: discard, as if delivered
      return false;
    }
    metrics.deliveries.inc();
    c.sendPlainPublish(m.topic, m.payload, item.qos, item.retain, dup, item.packetId);
    return true;
  }
  const packet: IPublishPacket = { cmd: "publish", topic: m.topic, payload: m.payload, qos: item.qos, retain: item.retain, dup };
  if (item.qos > 0) packet.messageId = item.packetId;
  if (c.protocolVersion === 5) {
    const p: NonNullable<IPublishPacket["properties"]> = { ...m.properties };
    if (expiry !== undefined) p.messageExpiryInterval = expiry;
    else delete p.messageExpiryInterval;
    if (item.subscriptionId !== undefined) p.subscriptionIdentifier = item.subscriptionId;
    packet.properties = p;
  }
  // Measured with the full topic, so a later alias can only make it smaller.
  if (c.clientPacketBytesMax < 268_435_455) {
    const bytes = encodedBytes(packet, c.protocolVersion);
    if (bytes > c.clientPacketBytesMax) {
      metrics.dropped.inc(); // [MQTT-3.1.2-25]: discard, as if delivered
      return false;
    }
  }
  if (c.clientTopicAliasMax > 0 && c.protocolVersion === 5) applyTopicAlias(c, packet);
  metrics.deliveries.inc();
  c.send(packet);
  return true;
}

/** Whether a delivery with `subscriptionId` to `c` is a PUBLISH without properties when its
 * message has none: what sendRecord may send. */
export function sendsPlain(c: SessionConnection, subscriptionId: number | number[] | undefined): boolean {
  return c.protocolVersion !== 5 || (subscriptionId === undefined && c.clientTopicAliasMax === 0);
}

/** Record `index` of a decoded batch, a plain one (record-mapping.ts readRecord: topic = key, no
 * property), as a PUBLISH without properties (sendsPlain checked by the caller), its bytes
 * copied from the batch: no message object, no Buffer. False when too large for the client. */
export function sendRecord(metrics: MqttMetrics, c: SessionConnection, batch: BatchColumns, index: number, qos: QoS, retain: boolean, dup: boolean, packetId: number): boolean {
  const topicLength = batch.keyLength[index];
  const payloadLength = Math.max(0, batch.valueLength[index]);
  if (publishBytes(topicLength, payloadLength, qos, c.protocolVersion === 5) > c.clientPacketBytesMax) {
    metrics.dropped.inc(); // [MQTT-3.1.2-25]: discard, as if delivered
    return false;
  }
  metrics.deliveries.inc();
  c.sendPublishFromBytes(batch.records, batch.keyPosition[index], topicLength, batch.valuePosition[index], payloadLength, qos, retain, dup, packetId);
  return true;
}

function applyTopicAlias(c: SessionConnection, packet: IPublishPacket): void {
  const known = c.topicAliasesOut.get(packet.topic);
  if (known !== undefined) {
    packet.properties!.topicAlias = known;
    packet.topic = "";
    return;
  }
  if (c.topicAliasesOut.size >= c.clientTopicAliasMax) return;
  const alias = c.topicAliasesOut.size + 1;
  c.topicAliasesOut.set(packet.topic, alias);
  packet.properties!.topicAlias = alias;
}

function hasNoProperties(p: BrokerMessage["properties"]): boolean {
  if (p === undefined) return true;
  for (const key in p) if ((p as Record<string, unknown>)[key] !== undefined) return false;
  return true;
}
