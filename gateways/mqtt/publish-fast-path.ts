// The hot path's parser: a PUBLISH without properties (every 3.1.1 PUBLISH, and MQTT 5 ones
// with an empty property block) read straight from the frame, the payload a view, no copies.
// Anything else goes to mqtt-packet. The frame reader has already checked the topic's UTF-8.
import type { IPublishPacket } from "mqtt-packet";
import type { FrameError } from "./frame-reader.ts";

/** The packet, a malformed-packet error, or undefined when mqtt-packet must parse it. */
export function parsePlainPublish(frame: Buffer, protocolVersion: number): IPublishPacket | FrameError | undefined {
  const flags = frame[0] & 0x0f;
  const qos = (flags >> 1) & 3;
  if (qos === 3) return { error: "malformed", message: "PUBLISH with both QoS bits set [MQTT-3.3.1-4]" };
  const dup = (flags & 8) !== 0;
  if (dup && qos === 0) return { error: "malformed", message: "PUBLISH QoS 0 with DUP set [MQTT-3.3.1-2]" };
  let at = 1;
  while (frame[at] & 0x80) at++;
  at++;
  const topicBytes = frame.readUInt16BE(at);
  const topic = frame.toString("utf8", at + 2, at + 2 + topicBytes);
  at += 2 + topicBytes;
  let messageId: number | undefined;
  if (qos > 0) {
    if (at + 2 > frame.length) return { error: "malformed", message: "PUBLISH too short for its packet identifier" };
    messageId = frame.readUInt16BE(at);
    if (messageId === 0) return { error: "malformed", message: "PUBLISH packet identifier 0 [MQTT-2.2.1-3]" };
    at += 2;
  }
  if (protocolVersion === 5) {
    if (at >= frame.length) return { error: "malformed", message: "PUBLISH too short for its properties" };
    if (frame[at] !== 0) return undefined; // has properties: mqtt-packet decodes them
    at += 1;
  }
  const packet: IPublishPacket = { cmd: "publish", topic, payload: frame.subarray(at), qos: qos as 0 | 1 | 2, dup, retain: (flags & 1) !== 0 };
  if (messageId !== undefined) packet.messageId = messageId;
  return packet;
}
