// MQTT message ↔ log record. Key = the MQTT topic (or one level of it, per route); value = the
// payload; headers carry QoS, retain, the publishing client's id (mqtt.client-id, for operators
// and for No Local), the MQTT 5 properties, and every user property as a
// header of its own name, so Kafka consumers see them as ordinary headers. The reverse
// direction turns any record (also one produced over Kafka) into a message: topic = the
// `mqtt.topic` header or else the key; headers not starting with "mqtt." become user properties.
import type { QoS, UserProperties } from "mqtt-packet";
import type { BatchColumns } from "../../runtime/core/index.ts";
import type { RecordHeader, RecordInput } from "../../runtime/core/types.ts";
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

/** The known header names as bytes: a record's header key is compared, not decoded. */
const headerOrder: string[] = Object.values(Header);
const headerNames: readonly Uint8Array[] = headerOrder.map((name) => Buffer.from(name));
const [qosAt, retainAt, topicAt, clientIdAt] = [Header.qos, Header.retain, Header.topic, Header.clientId].map((name) => headerOrder.indexOf(name));
const mqttPrefix = Buffer.from("mqtt.");

function sameBytes(a: Uint8Array, at: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

/** Which known header `bytes[at..at+length)` names (index into Header's values), -1 for
 * another "mqtt." header, -2 for a user property. */
function headerIndex(bytes: Uint8Array, at: number, length: number): number {
  for (let i = 0; i < headerNames.length; i++) {
    const name = headerNames[i];
    if (name.length === length && sameBytes(bytes, at, name)) return i;
  }
  return length >= mqttPrefix.length && sameBytes(bytes, at, mqttPrefix) ? -1 : -2;
}

/** Decoded strings of topics and client ids seen lately, by a hash of their bytes: the same
 * topics and clients repeat record after record, so most records decode no string. 4,096 slots:
 * a gateway's 500 device topics and 100 clients thrashed 256 (a decode and three buffers per
 * record); at most 4,096 strings of up to textCacheLengthMax bytes are held. */
const textCacheSlots = 4096;
const textCacheBytes: Array<Uint8Array | undefined> = new Array(textCacheSlots);
const textCacheText: string[] = new Array(textCacheSlots);
const textCacheExact = new Uint8Array(textCacheSlots);
const textCacheLengthMax = 256;
/** Whether the bytes of the last cachedText were valid UTF-8: then they are the string's own
 * encoding, and a PUBLISH may carry them as they are (a Kafka producer's key may not be). */
let lastTextExact = true;

function cachedText(bytes: Uint8Array, at: number, length: number): string {
  if (length > textCacheLengthMax) return decodeText(bytes, at, length);
  let hash = length;
  for (let i = 0; i < length; i++) hash = (Math.imul(hash, 31) + bytes[at + i]) | 0;
  const slot = hash & (textCacheSlots - 1);
  const known = textCacheBytes[slot];
  if (known !== undefined && known.length === length && sameBytes(bytes, at, known)) {
    lastTextExact = textCacheExact[slot] === 1;
    return textCacheText[slot];
  }
  const s = decodeText(bytes, at, length);
  textCacheBytes[slot] = bytes.slice(at, at + length);
  textCacheText[slot] = s;
  textCacheExact[slot] = lastTextExact ? 1 : 0;
  return s;
}

function decodeText(bytes: Uint8Array, at: number, length: number): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset + at, length);
  const s = view.toString("utf8");
  // Invalid sequences decode to U+FFFD, which encodes to other bytes; without one, the bytes
  // were valid UTF-8. With one, it may be a real U+FFFD: compare.
  lastTextExact = !s.includes("\uFFFD") || (Buffer.byteLength(s) === length && Buffer.from(s).equals(view));
  return s;
}

/** What a delivery needs of a record, read by readRecord into one reused view. */
export interface RecordView {
  topic: string;
  qos: QoS;
  retain: boolean;
  /** The publishing client's id (mqtt.client-id), for No Local. */
  origin: string | undefined;
  /** MQTT 5 properties and user properties; undefined when the record carries none. */
  properties: MessageProperties | undefined;
  /** The topic is the key (valid UTF-8) and there is no property: the PUBLISH is the key's
   * bytes and the value's, written with no message object (send-publish.ts sendRecord). */
  plain: boolean;
}

export function newRecordView(): RecordView {
  return { topic: "", qos: 1, retain: false, origin: undefined, properties: undefined, plain: true };
}

/** Reads record `i` of a decoded batch into `view` (the caller's, reused record after record);
 * false when it has no usable topic (null key). Read straight from the columns:
 * header keys are compared as bytes, topics and client ids come from a cache of recent ones, so
 * the common record allocates nothing. Topic = the `mqtt.topic` header or else the key; a record
 * without mqtt.qos (produced over Kafka) is already durable: offered at QoS 1, so each
 * subscriber's own QoS decides; headers not starting with "mqtt." become user properties. */
export function readRecord(cols: BatchColumns, i: number, view: RecordView): boolean {
  const bytes = cols.records;
  const keyLength = cols.keyLength[i];
  let topic: string | undefined = keyLength < 0 ? undefined : cachedText(bytes, cols.keyPosition[i], keyLength);
  let keyBytesAreTopic = lastTextExact;
  let qos: QoS = 1;
  let retain = false;
  // Made only when a property is there: most records carry none.
  let p: MessageProperties | undefined;
  let user: UserProperties | undefined;
  let origin: string | undefined;
  const end = cols.headerStart[i + 1];
  for (let k = cols.headerStart[i]; k < end; k++) {
    const keyAt = cols.headerKeyPosition[k];
    const keyBytes = cols.headerKeyLength[k];
    const at = cols.headerValuePosition[k];
    const length = cols.headerValueLength[k];
    const index = headerIndex(bytes, keyAt, keyBytes);
    if (index === -1) continue;
    if (index === -2) {
      user ??= {};
      const name = Buffer.from(bytes.buffer, bytes.byteOffset + keyAt, keyBytes).toString("utf8");
      const prev = user[name];
      const v = text(length < 0 ? null : bytes.subarray(at, at + length));
      user[name] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      continue;
    }
    switch (index) {
      // One byte ("0".."2") and "true"/"false" as ledge writes them: read without a string.
      case qosAt: qos = length === 1 && bytes[at] >= 0x30 && bytes[at] <= 0x32 ? ((bytes[at] - 0x30) as QoS) : qosOf(length < 0 ? null : bytes.subarray(at, at + length)); break;
      case retainAt: retain = length === 4 && sameBytes(bytes, at, trueBytes); break;
      case topicAt:
        topic = length < 0 ? "" : cachedText(bytes, at, length);
        keyBytesAreTopic = false;
        break;
      case clientIdAt: origin = length < 0 ? "" : cachedText(bytes, at, length); break;
      default: {
        const v = length < 0 ? null : bytes.subarray(at, at + length);
        switch (headerOrder[index]) {
          case Header.contentType: (p ??= {}).contentType = text(v); break;
          case Header.payloadFormat: (p ??= {}).payloadFormatIndicator = text(v) === "1"; break;
          case Header.expiryS: (p ??= {}).messageExpiryInterval = Number(text(v)) >>> 0; break;
          case Header.responseTopic: (p ??= {}).responseTopic = text(v); break;
          case Header.correlationData: (p ??= {}).correlationData = copy(v); break;
        }
      }
    }
  }
  if (topic === undefined || topic === "") return false;
  if (user) (p ??= {}).userProperties = user;
  view.topic = topic;
  view.qos = qos;
  view.retain = retain;
  view.origin = origin;
  view.properties = p;
  view.plain = keyBytesAreTopic && p === undefined;
  return true;
}

const scratch = newRecordView();

/** The message record `i` of a decoded batch stands for (readRecord), as an object of its own,
 * or undefined when it has no usable topic. */
export function messageAt(cols: BatchColumns, i: number): BrokerMessage | undefined {
  return readRecord(cols, i, scratch) ? toMessage(scratch, cols, i) : undefined;
}

/** The message of record `i` that `r` (readRecord's view of it) describes. */
export function toMessage(r: RecordView, cols: BatchColumns, i: number): BrokerMessage {
  const p = r.properties;
  // A view: the decoded batch's buffer stays alive as long as the message does.
  const valueLength = cols.valueLength[i];
  const bytes = cols.records;
  const payload = valueLength < 0 ? Buffer.alloc(0) : Buffer.from(bytes.buffer, bytes.byteOffset + cols.valuePosition[i], valueLength);
  const message: BrokerMessage = { topic: r.topic, payload, qos: r.qos, retain: r.retain, properties: p };
  if (r.origin !== undefined) message.originClientId = r.origin;
  if (p?.messageExpiryInterval !== undefined) message.expiresAtMs = timestampAt(cols, i) + p.messageExpiryInterval * 1000;
  return message;
}
const trueBytes = Buffer.from("true");

/** Record `i`'s offset in the log. */
export function offsetAt(cols: BatchColumns, i: number): number {
  return cols.header.baseOffset + cols.offsetDelta[i];
}

function timestampAt(cols: BatchColumns, i: number): number {
  const h = cols.header;
  return h.logAppendTime ? h.maxTimestampMs : h.baseTimestampMs + cols.timestampDeltaMs[i];
}
