// Log records back to MQTT messages, read straight from a decoded batch's columns: what ledge
// writes (messageToRecord) comes back as it was, and records produced over Kafka map by the
// documented rules (topic from mqtt.topic or the key, other headers as user properties).
import { describe, expect, it } from "vitest";
import { decodeBatchColumns, encodeBatch } from "../../runtime/core/index.ts";
import type { RecordInput } from "../../runtime/core/types.ts";
import type { BrokerMessage } from "../../gateways/mqtt/message.ts";
import { messageAt, messageToRecord, newRecordView, offsetAt, readRecord } from "../../gateways/mqtt/record-mapping.ts";

const h = (key: string, value: string | null) => ({ key, value: value === null ? null : Buffer.from(value) });

function roundTrip(records: RecordInput[]): Array<BrokerMessage | undefined> {
  const cols = decodeBatchColumns(encodeBatch(records, { baseOffset: 40 }));
  return records.map((_, i) => {
    expect(offsetAt(cols, i)).toBe(40 + i);
    return messageAt(cols, i);
  });
}

describe("record-mapping: messageAt", () => {
  it("gives back what messageToRecord stored: plain, with MQTT 5 properties, with a route's key", () => {
    const plain: BrokerMessage = { topic: "plant/a/temp", payload: Buffer.from("21.5"), qos: 2, retain: true, originClientId: "sensor-1" };
    const rich: BrokerMessage = {
      topic: "plant/b/ü", payload: Buffer.from([0, 1, 2]), qos: 1, retain: false, originClientId: "sensor-2",
      properties: { contentType: "text/plain", payloadFormatIndicator: true, responseTopic: "re/ply", correlationData: Buffer.from([9, 8]), userProperties: { a: "1", b: ["x", "y"] } },
    };
    const routed: BrokerMessage = { topic: "plant/c/level", payload: Buffer.alloc(0), qos: 0, retain: false, originClientId: "sensor-1" };
    const [a, b, c, again] = roundTrip([
      messageToRecord(plain, Buffer.from(plain.topic), true, 1000),
      messageToRecord(rich, Buffer.from(rich.topic), true, 1000),
      messageToRecord(routed, Buffer.from("plant"), false, 1000),
      messageToRecord(plain, Buffer.from(plain.topic), true, 1000),
    ]);
    expect(a).toEqual({ ...plain, properties: undefined });
    expect(b).toEqual(rich);
    expect(c).toEqual({ ...routed, properties: undefined });
    expect(again).toEqual(a); // the cached topic and client id strings are the same values
  });

  it("maps records produced over Kafka: QoS 1 by default, other headers as user properties, no topic = no message", () => {
    const [kafka, noKey, emptyTopic, odd] = roundTrip([
      { key: Buffer.from("k/t"), value: Buffer.from("v"), headers: [h("trace", "t1"), h("trace", "t2"), h("mqtt.unknown", "z"), h("nullish", null)], timestampMs: 5 },
      { key: null, value: Buffer.from("v"), timestampMs: 5 },
      { key: Buffer.from("k"), value: null, headers: [h("mqtt.topic", null)], timestampMs: 5 },
      { key: Buffer.from("k"), value: Buffer.from("v"), headers: [h("mqtt.qos", "07"), h("mqtt.retain", "TRUE"), h("mqtt.message-expiry-s", "60")], timestampMs: 5000 },
    ]);
    expect(kafka).toEqual({ topic: "k/t", payload: Buffer.from("v"), qos: 1, retain: false, properties: { userProperties: { trace: ["t1", "t2"], nullish: "" } } });
    expect(noKey).toBeUndefined();
    expect(emptyTopic).toBeUndefined();
    expect(odd).toEqual({ topic: "k", payload: Buffer.from("v"), qos: 2, retain: false, properties: { messageExpiryInterval: 60 }, expiresAtMs: 5000 + 60_000 });
  });

  it("calls a record plain (its PUBLISH is its key's and value's bytes) only when the key is the topic in valid UTF-8 and nothing else travels", () => {
    const plain: BrokerMessage = { topic: "plant/ü/temp", payload: Buffer.from("21.5"), qos: 1, retain: true, originClientId: "sensor-1" };
    const records: RecordInput[] = [
      messageToRecord(plain, Buffer.from(plain.topic), true, 1000),
      messageToRecord({ ...plain, properties: { contentType: "text/plain" } }, Buffer.from(plain.topic), true, 1000),
      messageToRecord(plain, Buffer.from("plant"), false, 1000), // a route keyed by a level: topic in a header
      { key: Buffer.from("k/t"), value: Buffer.from("v"), headers: [h("trace", "t1")], timestampMs: 5 },
      { key: Buffer.from([0x6b, 0x2f, 0xff, 0xfe]), value: Buffer.from("v"), timestampMs: 5 }, // not UTF-8
      { key: Buffer.from("k/t"), value: Buffer.from("v"), timestampMs: 5 },
      { key: Buffer.from("k/\ufffd"), value: Buffer.from("v"), timestampMs: 5 }, // U+FFFD itself is valid UTF-8
    ];
    const cols = decodeBatchColumns(encodeBatch(records));
    const view = newRecordView();
    const plainness = records.map((_, i) => (readRecord(cols, i, view) ? view.plain : undefined));
    expect(plainness).toEqual([true, false, false, false, false, true, true]);
    // A key that is not UTF-8 still maps to a message, its topic decoded with U+FFFD (valid UTF-8
    // on the wire), as before; the same bytes again come from the cache with the same answer.
    expect(readRecord(cols, 4, view) && view.topic).toBe("k/\ufffd\ufffd");
    expect(readRecord(cols, 4, view) && view.plain).toBe(false);
    expect(readRecord(cols, 0, view) && [view.topic, view.qos, view.retain, view.origin]).toEqual([plain.topic, 1, true, "sensor-1"]);
  });
});
