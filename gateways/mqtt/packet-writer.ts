// Every MQTT packet ledge sends is encoded here, and only here. Most go through mqtt-packet's
// generate; the two that the hot paths send per message are written directly, byte for byte
// what generate writes (a property test holds them to it):
// - a PUBLISH without properties (the common delivery), without a packet object;
// - a successful PUBACK/PUBREC: four fixed bytes, written into a caller's buffer (a PUBACK
//   group's) or into a slice of Node's shared pool.
import mqttPacket, { type Packet, type QoS } from "mqtt-packet";

// mqtt-packet pre-builds 65,536 two-byte buffers on its first generate: ~6 MB of heap held for
// good by every ledge. Ingest never calls generate (its PUBACKs are written below); a delivery
// pays one 2-byte buffer for its packet id instead (measured: heap snapshot).
mqttPacket.writeToStream.cacheNumbers = false;

/** What the encoding depends on, per client (set by its CONNECT). */
export interface PacketReceiver {
  readonly protocolVersion: 3 | 4 | 5;
  /** MQTT 5 Request Problem Information: false = no reason strings outside CONNACK/DISCONNECT. */
  readonly problemInformation: boolean;
  /** MQTT 5 Maximum Packet Size the client accepts. */
  readonly clientPacketBytesMax: number;
}

interface OptionalProperties {
  reasonString?: string;
  userProperties?: unknown;
}

/** The bytes of `packet` for `to`. Reason strings and user properties are optional: they are
 * left out when the client asked for no problem information [MQTT-3.1.2-29] or when the packet
 * would exceed the client's maximum packet size with them [MQTT-3.1.2-25]. May change
 * `packet.properties`. A PUBLISH is encoded as is (send-publish.ts checks its size). */
export function encodePacket(packet: Packet, to: PacketReceiver): Buffer {
  const props = (packet as { properties?: OptionalProperties }).properties;
  const optional = props !== undefined && packet.cmd !== "publish";
  if (optional && !to.problemInformation && packet.cmd !== "connack" && packet.cmd !== "disconnect") dropOptional(props);
  const options = { protocolVersion: to.protocolVersion };
  const bytes = mqttPacket.generate(packet, options);
  if (bytes.length <= to.clientPacketBytesMax || !optional) return bytes;
  dropOptional(props);
  return mqttPacket.generate(packet, options);
}

function dropOptional(props: OptionalProperties): void {
  delete props.reasonString;
  delete props.userProperties;
}

/** Bytes `packet` takes on the wire (to check a PUBLISH with properties against a limit). */
export function encodedBytes(packet: Packet, protocolVersion: 3 | 4 | 5): number {
  return mqttPacket.generate(packet, { protocolVersion }).length;
}

/** A PUBLISH without properties (an empty property block on MQTT 5). */
export function encodePlainPublish(topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number, v5: boolean): Buffer {
  const out = Buffer.allocUnsafe(plainPublishBytes(topic, payload, qos, v5));
  writePlainPublish(out, 0, topic, payload, qos, retain, dup, packetId, v5);
  return out;
}

/** Bytes encodePlainPublish takes for these fields. */
export function plainPublishBytes(topic: string, payload: Buffer, qos: QoS, v5: boolean): number {
  return publishBytes(Buffer.byteLength(topic), payload.length, qos, v5);
}

/** Bytes a PUBLISH without properties takes, by its topic's and payload's lengths. */
export function publishBytes(topicBytes: number, payloadBytes: number, qos: QoS, v5: boolean): number {
  const remaining = publishRemaining(topicBytes, payloadBytes, qos, v5);
  let lengthBytes = 1;
  while (remaining >= 128 ** lengthBytes) lengthBytes++;
  return 1 + lengthBytes + remaining;
}

function publishRemaining(topicBytes: number, payloadBytes: number, qos: QoS, v5: boolean): number {
  return 2 + topicBytes + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payloadBytes;
}

/** Writes what encodePlainPublish returns at `out[at..)` (room for plainPublishBytes checked
 * by the caller): deliveries of one turn are encoded one after another into one buffer. */
export function writePlainPublish(out: Buffer, at: number, topic: string, payload: Buffer, qos: QoS, retain: boolean, dup: boolean, packetId: number, v5: boolean): void {
  const topicBytes = Buffer.byteLength(topic);
  at = writeFixedHeader(out, at, topicBytes, payload.length, qos, retain, dup, v5);
  at += out.write(topic, at);
  at = writeVariableTail(out, at, qos, packetId, v5);
  out.set(payload, at); // not copy(): its argument checks cost more than the bytes
}

/** The same PUBLISH with topic and payload copied from `src` (a decoded batch's records: no
 * string to encode, no Buffer to make). */
export function writePublishFromBytes(out: Buffer, at: number, src: Uint8Array, topicAt: number, topicBytes: number, payloadAt: number, payloadBytes: number, qos: QoS, retain: boolean, dup: boolean, packetId: number, v5: boolean): void {
  at = writeFixedHeader(out, at, topicBytes, payloadBytes, qos, retain, dup, v5);
  for (let k = 0; k < topicBytes; k++) out[at + k] = src[topicAt + k]; // short: cheaper than a view
  at = writeVariableTail(out, at + topicBytes, qos, packetId, v5);
  out.set(src.subarray(payloadAt, payloadAt + payloadBytes), at);
}

/** Type and flags, remaining length, the topic's length: where the topic goes. */
function writeFixedHeader(out: Buffer, at: number, topicBytes: number, payloadBytes: number, qos: QoS, retain: boolean, dup: boolean, v5: boolean): number {
  out[at++] = 0x30 | (dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0);
  for (let n = publishRemaining(topicBytes, payloadBytes, qos, v5); ; ) {
    const low = n % 128;
    n = Math.floor(n / 128);
    out[at++] = n > 0 ? low | 0x80 : low;
    if (n === 0) break;
  }
  out[at++] = topicBytes >> 8;
  out[at++] = topicBytes & 0xff;
  return at;
}

/** After the topic: the packet id (QoS 1/2) and MQTT 5's empty property block; where the payload goes. */
function writeVariableTail(out: Buffer, at: number, qos: QoS, packetId: number, v5: boolean): number {
  if (qos > 0) {
    out[at++] = packetId >> 8;
    out[at++] = packetId & 0xff;
  }
  if (v5) out[at++] = 0;
  return at;
}

/** A successful PUBACK or PUBREC: no reason byte in either version [MQTT-3.4.2-1]. */
export const ackSuccessBytes = 4;

const ackTypeByte = { puback: 0x40, pubrec: 0x50 } as const;

/** Writes a successful PUBACK/PUBREC for packet id `id` at `out[at..at + 4)`. */
export function writeAckSuccess(out: Buffer, at: number, cmd: "puback" | "pubrec", id: number): void {
  out[at] = ackTypeByte[cmd];
  out[at + 1] = ackSuccessBytes - 2;
  out[at + 2] = id >> 8;
  out[at + 3] = id & 0xff;
}

/** A successful PUBACK/PUBREC on its own (a slice of Node's shared pool: no allocation of its own). */
export function encodeAckSuccess(cmd: "puback" | "pubrec", id: number): Buffer {
  const bytes = Buffer.allocUnsafe(ackSuccessBytes);
  writeAckSuccess(bytes, 0, cmd, id);
  return bytes;
}
