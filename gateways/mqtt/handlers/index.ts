// The dispatcher: every packet a client sends comes here, as the frame reader found it, and
// this is the only switch over packet types. It gates on connection state first: nothing but
// CONNECT before CONNECT [MQTT-3.1.0-1], no second CONNECT [MQTT-3.1.0-2], no server-to-client
// packets. A plain PUBLISH (no properties) on a connected client is read from the frame's
// bytes without a packet object (publish-fast-path.ts) and goes to handlePlainPublish; so does a
// plain PUBACK (a packet id and nothing else: one per delivery to a QoS 1 subscriber); every
// other packet is parsed by mqtt-packet first.
import type { Packet } from "mqtt-packet";
import { parseFrame } from "../frame-parser.ts";
import { connectProtocolLevel, type FrameSpan } from "../frame-reader.ts";
import { parsePlainPublish } from "../publish-fast-path.ts";
import { Reason } from "../reason-codes.ts";
import { handlePuback, handlePubcomp, handlePubrec } from "./acks.ts";
import { handleAuth } from "./auth.ts";
import { handleConnect } from "./connect.ts";
import type { ClientContext } from "./context.ts";
import { handleDisconnect } from "./disconnect.ts";
import { handlePingreq } from "./pingreq.ts";
import { handlePlainPublish, handlePublish } from "./publish.ts";
import { handlePubrel } from "./pubrel.ts";
import { handleSubscribe } from "./subscribe.ts";
import { handleUnsubscribe } from "./unsubscribe.ts";

/** MQTT control packet types (the fixed header's high nibble) the dispatcher looks at before parsing. */
const typeConnect = 1;
const typePublish = 3;
const typePuback = 4;

/** Handles the packet in `span` (valid until the next frame is read); a returned promise
 * holds back reading the next packet until it settles. */
export function dispatch(c: ClientContext, span: FrameSpan): Promise<void> | void {
  const first = span.buffer[span.start];
  const type = first >> 4;
  // PUBACK with flags 0, remaining length 2: the packet id alone (reason code 0x00 implied).
  if (first === typePuback << 4 && span.end - span.start === 4 && span.buffer[span.start + 1] === 2 && c.state === "connected") {
    const id = span.buffer.readUInt16BE(span.start + 2);
    if (id === 0) return c.protocolFailure(Reason.malformedPacket, "PUBACK with packet id 0");
    c.session!.completed(id, "publish");
    return;
  }
  if (type === typePublish && c.state === "connected") {
    const plain = parsePlainPublish(span, c.protocolVersion, c);
    if (plain !== undefined) {
      if ("error" in plain) return c.protocolFailure(Reason.malformedPacket, plain.message);
      return handlePlainPublish(c, plain);
    }
  }
  const frame = span.start === 0 && span.end === span.buffer.length ? span.buffer : span.buffer.subarray(span.start, span.end);
  if (type === typeConnect && c.state === "awaiting-connect" && !knownProtocolLevel(c, frame)) return;
  const parsed = parseFrame(frame, c.parserSettings);
  if ("error" in parsed) return c.protocolFailure(Reason.malformedPacket, parsed.error);
  c.parserSettings = parsed.settings;
  return dispatchPacket(c, parsed.packet);
}

function dispatchPacket(c: ClientContext, packet: Packet): Promise<void> | void {
  if (c.state === "awaiting-connect") {
    if (packet.cmd === "connect") return handleConnect(c, packet);
    return c.protocolFailure(Reason.protocolError, `${packet.cmd.toUpperCase()} before CONNECT [MQTT-3.1.0-1]`);
  }
  if (c.state !== "connected") return;
  switch (packet.cmd) {
    case "publish": return handlePublish(c, packet);
    case "puback": return handlePuback(c, packet);
    case "pubrec": return handlePubrec(c, packet);
    case "pubrel": return handlePubrel(c, packet);
    case "pubcomp": return handlePubcomp(c, packet);
    case "subscribe": return handleSubscribe(c, packet);
    case "unsubscribe": return handleUnsubscribe(c, packet);
    case "pingreq": return handlePingreq(c, packet);
    case "disconnect": return handleDisconnect(c, packet);
    case "auth": return handleAuth(c, packet);
    case "connect": return c.protocolFailure(Reason.protocolError, "a second CONNECT on one connection [MQTT-3.1.0-2]");
    default: return c.protocolFailure(Reason.protocolError, `${packet.cmd.toUpperCase()} is sent by servers, not clients`);
  }
}

/** [MQTT-3.1.2-2]: an unsupported protocol level gets CONNACK 0x01 (3.1.1 form), then close. */
function knownProtocolLevel(c: ClientContext, frame: Buffer): boolean {
  const level = connectProtocolLevel(frame);
  if (level === undefined) return true; // too short: the parser reports it as malformed
  const base = level & 0x7f; // 0x80 = the bridge bit Mosquitto bridges set
  if (base === 3 || base === 4 || base === 5) return true;
  c.metrics.connectionsRefused.inc();
  c.logger.warn(`refused CONNECT from ${c.who}: protocol level ${level} is not 3, 4 or 5`);
  c.send({ cmd: "connack", sessionPresent: false, returnCode: 1 }); // 3.1.1's form: the level is unknown (c.protocolVersion is 4 until CONNECT)
  c.disconnect(Reason.unsupportedProtocolVersion);
  return false;
}
