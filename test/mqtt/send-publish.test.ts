// The delivery fast path writes a PUBLISH without properties itself: its bytes must be the ones
// mqtt-packet writes for the same packet, for both protocol levels, every QoS and flag, topics
// with multi-byte characters, and payload sizes across each remaining-length boundary.
import fc from "fast-check";
import mqttPacket from "mqtt-packet";
import { describe, expect, it } from "vitest";
import { encodePlainPublish } from "../../gateways/mqtt/send-publish.ts";

const sizes = [0, 1, 100, 121, 122, 123, 127, 128, 16_370, 16_383, 16_384, 70_000, 2_097_151, 2_097_152];

describe("encodePlainPublish", () => {
  it("writes what mqtt-packet writes", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }), fc.constantFrom(...sizes), fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
        fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 65_535 }), fc.constantFrom(4, 5) as fc.Arbitrary<4 | 5>,
        (topic, size, qos, retain, dup, packetId, protocolVersion) => {
          const payload = Buffer.alloc(size, size & 0xff);
          const packet = { cmd: "publish" as const, topic, payload, qos, retain, dup: qos > 0 && dup, ...(qos > 0 ? { messageId: packetId } : {}) };
          const expected = mqttPacket.generate(packet, { protocolVersion });
          const actual = encodePlainPublish(topic, payload, qos, retain, qos > 0 && dup, packetId, protocolVersion === 5);
          expect(actual.equals(expected)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 8 },
    );
  });
});
