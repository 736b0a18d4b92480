// MQTT message ↔ log record. Key = the MQTT topic (or one level of it, per route); value = the
// payload; headers carry QoS, retain, the publishing client's id (mqtt.client-id, for operators
// and for No Local), the MQTT 5 properties, and every user property as a
// header of its own name, so Kafka consumers see them as ordinary headers. The reverse
// direction turns any record (also one produced over Kafka) into a message: topic = the
// `mqtt.topic` header or else the key; headers not starting with "mqtt." become user properties.
import type { QoS, UserProperties } from "mqtt-packet";
import type { DecodedRecord, RecordHeader, RecordInput } from "../../runtime/core/types.ts";
import type { BrokerMessage, MessageProperties } from "./message.ts";

export const Header = {
  qos: "mqtt.qos",
  retain: "mqtt.retain",
  topic: "mqtt.topic",
  clientId: "mqtt.client-id",
  contentType: "mqtt.content-type",
  payloadFormat: "mqtt.payload-format",
  expiryS: "mqtt.message-expiry-s",
  responseTopic: "mqtt.response-topic",
  correlationData: "mqtt.correlation-data",
} as const;

const digit = [Buffer.from("0"), Buffer.from("1"), Buffer.from("2")];
const bool = { true: Buffer.from("true"), false: Buffer.from("false") };
// Shared, never mutated: the common headers cost no allocation per message.
const qosHeaders: readonly RecordHeader[] = digit.map((value) => ({ key: Header.qos, value }));
const retainHeaders = { true: { key: Header.retain, value: bool.true }, false: { key: Header.retain, value: bool.false } } as const;
/** Per publishing client: its header, and the whole header list of its plain messages (no
 * MQTT 5 properties, key = topic) indexed by qos * 2 + retain: the common case allocates none. */
interface ClientHeaders {
  clientId: RecordHeader;
  plain: Array<readonly RecordHeader[] | undefined>;
}
const clientHeaders = new Map<string, ClientHeaders>();
const clientHeadersCountMax = 10_000;

function headersOf(clientId: string): ClientHeaders {
  let h = clientHeaders.get(clientId);
  if (!h) {
    if (clientHeaders.size >= clientHeadersCountMax) clientHeaders.clear();
    h = { clientId: { key: Header.clientId, value: Buffer.from(clientId) }, plain: [] };
    clientHeaders.set(clientId, h);
  }
  return h;
}

function propertyHeaders(p: MessageProperties, headers: RecordHeader[]): void {
  if (p.contentType !== undefined) headers.push({ key: Header.contentType, value: Buffer.from(p.contentType) });
  if (p.payloadFormatIndicator !== undefined) headers.push({ key: Header.payloadFormat, value: digit[p.payloadFormatIndicator ? 1 : 0] });
  if (p.messageExpiryInterval !== undefined) headers.push({ key: Header.expiryS, value: Buffer.from(String(p.messageExpiryInterval)) });
  if (p.responseTopic !== undefined) headers.push({ key: Header.responseTopic, value: Buffer.from(p.responseTopic) });
  if (p.correlationData !== undefined) headers.push({ key: Header.correlationData, value: p.correlationData });
  const user = p.userProperties;
  if (user) {
    for (const name of Object.keys(user)) {
      const v = user[name];
      for (const one of Array.isArray(v) ? v : [v]) headers.push({ key: name, value: Buffer.from(String(one)) });
    }
  }
}

/** The shared header list of a plain message (no MQTT 5 properties, key = topic) from
 * `clientId` (non-empty): what messageToRecord puts in the record, with no allocation. */
export function plainRecordHeaders(qos: QoS, retain: boolean, clientId: string): readonly RecordHeader[] {
  const h = headersOf(clientId);
  const slot = qos * 2 + (retain ? 1 : 0);
  return (h.plain[slot] ??= [qosHeaders[qos], retain ? retainHeaders.true : retainHeaders.false, h.clientId]);
}

/** The record for `message`; `key` is the route's key (the topic itself unless a level). */
export function messageToRecord(message: BrokerMessage, key: Buffer, keyIsTopic: boolean, timestampMs: number): RecordInput {
  if (keyIsTopic && message.originClientId && !message.properties) {
    // Shared and never mutated (encodeBatch only reads headers).
    return { key, value: message.payload, headers: plainRecordHeaders(message.qos, message.retain, message.originClientId) as RecordHeader[], timestampMs };
  }
  const headers: RecordHeader[] = [qosHeaders[message.qos], message.retain ? retainHeaders.true : retainHeaders.false];
  if (!keyIsTopic) headers.push({ key: Header.topic, value: Buffer.from(message.topic) });
  if (message.originClientId) headers.push(headersOf(message.originClientId).clientId);
  if (message.properties) propertyHeaders(message.properties, headers);
  return { key, value: message.payload, headers, timestampMs };
}

function qosOf(v: Uint8Array | null): QoS {
  if (v !== null && v.length === 1 && v[0] >= 0x30 && v[0] <= 0x32) return (v[0] - 0x30) as QoS;
  return Math.min(2, Math.max(0, Number(text(v)) | 0)) as QoS;
}

function text(v: Uint8Array | null): string {
  return v === null ? "" : Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("utf8");
}

function copy(v: Uint8Array | null): Buffer {
  return v === null ? Buffer.alloc(0) : Buffer.from(v);
}

/** The message a record stands for, or undefined when it has no usable topic (null key). */
export function recordToMessage(record: DecodedRecord): BrokerMessage | undefined {
  let topic: string | undefined = record.key === null ? undefined : text(record.key);
  // A record without mqtt.qos (produced over Kafka) is already durable: offer it at QoS 1,
  // so each subscriber's own QoS decides.
  let qos: QoS = 1;
  let retain = false;
  // Made only when a property is there: most records carry none.
  let p: MessageProperties | undefined;
  let user: UserProperties | undefined;
  let origin: string | undefined;
  for (const h of record.headers) {
    switch (h.key) {
      // One byte ("0".."2") and "true"/"false" as ledge writes them: read without a string.
      case Header.qos: qos = qosOf(h.value); break;
      case Header.retain: retain = h.value !== null && h.value.length === 4 && h.value[0] === 0x74 && text(h.value) === "true"; break;
      case Header.topic: topic = text(h.value); break;
      case Header.clientId: origin = text(h.value); break;
      case Header.contentType: (p ??= {}).contentType = text(h.value); break;
      case Header.payloadFormat: (p ??= {}).payloadFormatIndicator = text(h.value) === "1"; break;
      case Header.expiryS: (p ??= {}).messageExpiryInterval = Number(text(h.value)) >>> 0; break;
      case Header.responseTopic: (p ??= {}).responseTopic = text(h.value); break;
      case Header.correlationData: (p ??= {}).correlationData = copy(h.value); break;
      default: {
        if (h.key.startsWith("mqtt.")) break;
        user ??= {};
        const prev = user[h.key];
        const v = text(h.value);
        user[h.key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
    }
  }
  if (topic === undefined || topic === "") return undefined;
  if (user) (p ??= {}).userProperties = user;
  // A view: the decoded batch's buffer stays alive as long as the message does.
  const v = record.value;
  const payload = v === null ? Buffer.alloc(0) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const message: BrokerMessage = { topic, payload, qos, retain, properties: p };
  if (origin !== undefined) message.originClientId = origin;
  if (p?.messageExpiryInterval !== undefined) message.expiresAtMs = record.timestampMs + p.messageExpiryInterval * 1000;
  return message;
}
