// The hot path's parser: a PUBLISH without properties (every 3.1.1 PUBLISH, and MQTT 5 ones
// with an empty property block) read straight from the bytes the frame reader holds, into one
// reused PlainPublish: no packet object, no view of the payload, and the topic string of the
// connection's previous PUBLISH reused when the bytes match (devices repeat their topic).
// Anything else goes to mqtt-packet. The frame reader has already checked the topic's UTF-8.
import type { IPublishPacket } from "mqtt-packet";
import type { FrameError, FrameSpan } from "./frame-reader.ts";

/** A parsed plain PUBLISH: offsets into `buffer`, valid until the next parse (synchronous use). */
export interface PlainPublish {
  buffer: Buffer;
  topic: string;
  payloadStart: number;
  payloadEnd: number;
  qos: 0 | 1 | 2;
  dup: boolean;
  retain: boolean;
  /** 0 for QoS 0. */
  messageId: number;
}

/** The last topic a connection published to, as bytes and as text. */
export interface TopicMemo {
  lastTopicBytes: Buffer | undefined;
  lastTopicText: string;
}

const plain: PlainPublish = { buffer: Buffer.alloc(0), topic: "", payloadStart: 0, payloadEnd: 0, qos: 0, dup: false, retain: false, messageId: 0 };

/** The (shared, reused) parse, a malformed-packet error, or undefined when mqtt-packet must parse it. */
export function parsePlainPublish(span: FrameSpan, protocolVersion: number, memo: TopicMemo): PlainPublish | FrameError | undefined {
  const { buffer, start, end } = span;
  const flags = buffer[start] & 0x0f;
  const qos = (flags >> 1) & 3;
  if (qos === 3) return { error: "malformed", message: "PUBLISH with both QoS bits set [MQTT-3.3.1-4]" };
  const dup = (flags & 8) !== 0;
  if (dup && qos === 0) return { error: "malformed", message: "PUBLISH QoS 0 with DUP set [MQTT-3.3.1-2]" };
  let at = start + 1;
  while (buffer[at] & 0x80) at++;
  at++;
  const topicBytes = buffer.readUInt16BE(at);
  const topic = topicText(buffer, at + 2, at + 2 + topicBytes, memo);
  at += 2 + topicBytes;
  let messageId = 0;
  if (qos > 0) {
    if (at + 2 > end) return { error: "malformed", message: "PUBLISH too short for its packet identifier" };
    messageId = buffer.readUInt16BE(at);
    if (messageId === 0) return { error: "malformed", message: "PUBLISH packet identifier 0 [MQTT-2.2.1-3]" };
    at += 2;
  }
  if (protocolVersion === 5) {
    if (at >= end) return { error: "malformed", message: "PUBLISH too short for its properties" };
    if (buffer[at] !== 0) return undefined; // has properties: mqtt-packet decodes them
    at += 1;
  }
  plain.buffer = buffer;
  plain.topic = topic;
  plain.payloadStart = at;
  plain.payloadEnd = end;
  plain.qos = qos as 0 | 1 | 2;
  plain.dup = dup;
  plain.retain = (flags & 1) !== 0;
  plain.messageId = messageId;
  return plain;
}

/** Topics up to this many bytes are remembered per connection. */
const memoBytesMax = 256;

function topicText(buffer: Buffer, start: number, end: number, memo: TopicMemo): string {
  const remembered = memo.lastTopicBytes;
  if (remembered !== undefined && remembered.length === end - start && buffer.compare(remembered, 0, remembered.length, start, end) === 0) {
    return memo.lastTopicText;
  }
  const text = buffer.toString("utf8", start, end);
  if (end - start <= memoBytesMax) {
    const copy = Buffer.allocUnsafeSlow(end - start); // its own: neither a socket chunk nor a pool slab stays alive
    buffer.copy(copy, 0, start, end);
    memo.lastTopicBytes = copy;
    memo.lastTopicText = text;
  }
  return text;
}

/** The packet object for paths that keep it past this turn or need mqtt-packet's shape. */
export function toPublishPacket(p: PlainPublish): IPublishPacket {
  const packet: IPublishPacket = { cmd: "publish", topic: p.topic, payload: p.buffer.subarray(p.payloadStart, p.payloadEnd), qos: p.qos, dup: p.dup, retain: p.retain };
  if (p.qos > 0) packet.messageId = p.messageId;
  return packet;
}
