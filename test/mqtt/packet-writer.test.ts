// packet-writer.ts is the one encoder for what ledge sends. Its hand-written fast paths (a
// PUBLISH without properties, a successful PUBACK/PUBREC) must write exactly what mqtt-packet's
// generate writes, and its general path must be generate's output, less only the optional
// properties the client asked not to get or has no room for [MQTT-3.1.2-25], [MQTT-3.1.2-29].
// Every packet type ledge sends, for MQTT 3.1.1 and 5.
import fc from "fast-check";
import mqttPacket, { type Packet } from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { ackSuccessBytes, encodeAckSuccess, encodePacket, encodePlainPublish, plainPublishBytes, publishBytes, writeAckSuccess, writePlainPublish, writePublishFromBytes } from "../../gateways/mqtt/packet-writer.ts";

const sizes = [0, 1, 100, 121, 122, 123, 127, 128, 16_370, 16_383, 16_384, 70_000, 2_097_151, 2_097_152];
const versions = fc.constantFrom(4, 5) as fc.Arbitrary<4 | 5>;
const packetId = fc.integer({ min: 1, max: 65_535 });
const reasonString = fc.option(fc.string({ maxLength: 60, unit: "grapheme" }), { nil: undefined });
const userProperties = fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }), { nil: undefined });
const optionalProps = fc.record({ reasonString, userProperties }).map((p) => {
  const out: Record<string, unknown> = {};
  if (p.reasonString !== undefined) out.reasonString = p.reasonString;
  if (p.userProperties !== undefined && Object.keys(p.userProperties).length > 0) out.userProperties = p.userProperties;
  return Object.keys(out).length > 0 ? out : undefined;
});

/** Every packet type ledge sends, with the fields and properties it sets (MQTT 5 shapes; 3.1.1 ignores what it lacks). */
const sentPacket: fc.Arbitrary<Packet> = fc.oneof(
  fc.record({ sessionPresent: fc.boolean(), reasonCode: fc.constantFrom(0, 0x80, 0x86, 0x87, 0x97), props: optionalProps, receiveMaximum: fc.integer({ min: 1, max: 65_535 }) })
    .map(({ sessionPresent, reasonCode, props, receiveMaximum }) => ({ cmd: "connack", sessionPresent: reasonCode === 0 && sessionPresent, reasonCode, returnCode: reasonCode === 0 ? 0 : 5, properties: { receiveMaximum, ...props } }) as Packet),
  fc.record({ cmd: fc.constantFrom("puback", "pubrec"), messageId: packetId, reasonCode: fc.constantFrom(0, 0x80, 0x87, 0x99), props: optionalProps })
    .map(({ cmd, messageId, reasonCode, props }) => ({ cmd, messageId, reasonCode, properties: props }) as Packet),
  fc.record({ cmd: fc.constantFrom("pubrel", "pubcomp"), messageId: packetId, reasonCode: fc.constantFrom(0, 0x92), props: optionalProps })
    .map(({ cmd, messageId, reasonCode, props }) => ({ cmd, messageId, reasonCode, properties: props }) as Packet),
  fc.record({ messageId: packetId, granted: fc.array(fc.constantFrom(0, 1, 2, 0x80, 0x8f, 0x97), { minLength: 1, maxLength: 5 }), props: optionalProps })
    .map(({ messageId, granted, props }) => ({ cmd: "suback", messageId, granted, properties: props }) as Packet),
  fc.record({ messageId: packetId, granted: fc.array(fc.constantFrom(0, 0x11), { minLength: 1, maxLength: 5 }) })
    .map(({ messageId, granted }) => ({ cmd: "unsuback", messageId, granted }) as Packet),
  fc.constant({ cmd: "pingresp" } as Packet),
  fc.record({ reasonCode: fc.constantFrom(0x81, 0x8b, 0x8e, 0x93, 0x96, 0x97), props: optionalProps })
    .map(({ reasonCode, props }) => ({ cmd: "disconnect", reasonCode, properties: props }) as Packet),
  fc.record({ topic: fc.string({ minLength: 1, maxLength: 30 }), qos: fc.constantFrom(0, 1, 2), messageId: packetId, expiry: fc.integer({ min: 1, max: 1000 }), subscriptionIdentifier: fc.integer({ min: 1, max: 268_435_455 }) })
    .map(({ topic, qos, messageId, expiry, subscriptionIdentifier }) => ({
      cmd: "publish", topic, payload: Buffer.from("p"), qos, retain: false, dup: false, ...(qos > 0 ? { messageId } : {}),
      properties: { messageExpiryInterval: expiry, subscriptionIdentifier, userProperties: { k: "v" } },
    }) as Packet),
);

/** A copy whose properties may be changed (the writer drops optional ones in place). */
const clone = (p: Packet): Packet => {
  const props = (p as { properties?: object }).properties;
  return (props === undefined ? { ...p } : { ...p, properties: { ...props } }) as Packet;
};
const withoutOptional = (p: Packet): Packet => {
  const copy = clone(p) as Packet & { properties?: Record<string, unknown> };
  if (copy.properties) {
    delete copy.properties.reasonString;
    delete copy.properties.userProperties;
  }
  return copy;
};
const generate = (p: Packet, protocolVersion: 4 | 5) => mqttPacket.generate(clone(p), { protocolVersion });

describe("packet-writer: the fast paths write what mqtt-packet writes", () => {
  it("PUBLISH without properties: every QoS and flag, multi-byte topics, each remaining-length boundary", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), fc.constantFrom(...sizes), fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
        fc.boolean(), fc.boolean(), packetId, versions,
        (topic, size, qos, retain, dup, id, protocolVersion) => {
          const payload = Buffer.alloc(size, size & 0xff);
          const packet = { cmd: "publish" as const, topic, payload, qos, retain, dup: qos > 0 && dup, ...(qos > 0 ? { messageId: id } : {}) };
          const expected = mqttPacket.generate(packet, { protocolVersion });
          const actual = encodePlainPublish(topic, payload, qos, retain, qos > 0 && dup, id, protocolVersion === 5);
          expect(actual.equals(expected)).toBe(true);
          // In place, after other bytes, touching none outside its own.
          expect(plainPublishBytes(topic, payload, qos, protocolVersion === 5)).toBe(expected.length);
          const out = Buffer.alloc(expected.length + 10, 0xee);
          writePlainPublish(out, 7, topic, payload, qos, retain, qos > 0 && dup, id, protocolVersion === 5);
          expect(out.subarray(7, 7 + expected.length).equals(expected)).toBe(true);
          expect([...out.subarray(0, 7), ...out.subarray(7 + expected.length)].every((b) => b === 0xee)).toBe(true);
          // From a record's bytes (a delivery straight from a decoded batch): topic and payload
          // at arbitrary places in one buffer, the same packet.
          const topicBytes = Buffer.from(topic);
          const src = Buffer.concat([Buffer.from("xx"), topicBytes, Buffer.from("yyy"), payload, Buffer.from("z")]);
          expect(publishBytes(topicBytes.length, size, qos, protocolVersion === 5)).toBe(expected.length);
          const fromBytes = Buffer.alloc(expected.length + 10, 0xee);
          writePublishFromBytes(fromBytes, 3, src, 2, topicBytes.length, 5 + topicBytes.length, size, qos, retain, qos > 0 && dup, id, protocolVersion === 5);
          expect(fromBytes.subarray(3, 3 + expected.length).equals(expected)).toBe(true);
          expect([...fromBytes.subarray(0, 3), ...fromBytes.subarray(3 + expected.length)].every((b) => b === 0xee)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });

  it("successful PUBACK and PUBREC: on their own and written into a group's buffer", () => {
    fc.assert(
      fc.property(fc.constantFrom("puback", "pubrec") as fc.Arbitrary<"puback" | "pubrec">, packetId, versions, fc.integer({ min: 0, max: 7 }), (cmd, id, protocolVersion, slot) => {
        const expected = mqttPacket.generate({ cmd, messageId: id, reasonCode: 0 }, { protocolVersion });
        expect(encodeAckSuccess(cmd, id).equals(expected)).toBe(true);
        const group = Buffer.alloc(8 * ackSuccessBytes, 0xee);
        writeAckSuccess(group, slot * ackSuccessBytes, cmd, id);
        expect(group.subarray(slot * ackSuccessBytes, (slot + 1) * ackSuccessBytes).equals(expected)).toBe(true);
        expect(group.filter((b) => b !== 0xee).length).toBeLessThanOrEqual(ackSuccessBytes); // nothing written outside its slot
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe("packet-writer: every other packet is mqtt-packet's, less only optional properties", () => {
  it("with room and problem information: exactly generate's bytes, and they parse back", () => {
    fc.assert(
      fc.property(sentPacket, versions, (sent, protocolVersion) => {
        // 3.1.1 knows only 0x80 as a SUBACK failure code [MQTT-3.9.3-2] (subscribe.ts maps to it).
        const packet = sent.cmd === "suback" && protocolVersion === 4 ? { ...sent, granted: (sent.granted as number[]).map((g) => (g >= 0x80 ? 0x80 : g)) } : sent;
        const expected = generate(packet, protocolVersion);
        const actual = encodePacket(clone(packet), { protocolVersion, problemInformation: true, clientPacketBytesMax: 268_435_455 });
        expect(actual.equals(expected)).toBe(true);
        const parser = mqttPacket.parser({ protocolVersion });
        const parsed: Packet[] = [];
        parser.on("packet", (p: Packet) => parsed.push(p));
        parser.on("error", (err: Error) => expect.fail(err.message));
        parser.parse(actual);
        expect(parsed.map((p) => p.cmd)).toEqual([packet.cmd]);
      }),
      { numRuns: 400, seed: 10 },
    );
  });

  it("Request Problem Information 0: no reason string or user properties, except on CONNACK, DISCONNECT and PUBLISH [MQTT-3.1.2-29]", () => {
    fc.assert(
      fc.property(sentPacket, (packet) => {
        const keeps = packet.cmd === "connack" || packet.cmd === "disconnect" || packet.cmd === "publish";
        const expected = generate(keeps ? packet : withoutOptional(packet), 5);
        const actual = encodePacket(clone(packet), { protocolVersion: 5, problemInformation: false, clientPacketBytesMax: 268_435_455 });
        expect(actual.equals(expected)).toBe(true);
      }),
      { numRuns: 400, seed: 11 },
    );
  });

  it("a client's Maximum Packet Size: optional properties go when the packet would be too big, never otherwise [MQTT-3.1.2-25]", () => {
    fc.assert(
      fc.property(sentPacket, fc.integer({ min: 2, max: 200 }), (packet, clientPacketBytesMax) => {
        const full = generate(packet, 5);
        const actual = encodePacket(clone(packet), { protocolVersion: 5, problemInformation: true, clientPacketBytesMax });
        if (full.length <= clientPacketBytesMax || packet.cmd === "publish") expect(actual.equals(full)).toBe(true);
        else expect(actual.equals(generate(withoutOptional(packet), 5))).toBe(true);
      }),
      { numRuns: 400, seed: 12 },
    );
  });
});
