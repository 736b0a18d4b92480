// Kafka's default partitioner (runtime/log/partitioner.ts) against kafkajs's Java-compatible
// DefaultPartitioner and Java's published murmur2 values, so MQTT keys land where Kafka's would.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Partitioners } from "kafkajs";
import { murmur2, partitionForKey } from "../../runtime/log/partitioner.ts";

describe("murmur2 partitioner", () => {
  it("matches Java's Utils.murmur2 for known inputs", () => {
    // Values from Kafka's UtilsTest.testMurmur2 (Java).
    expect(murmur2(Buffer.from("21"))).toBe(-973932308);
    expect(murmur2(Buffer.from("foobar"))).toBe(-790332482);
    expect(murmur2(Buffer.from("a-little-bit-long-string"))).toBe(-985981536);
    expect(murmur2(Buffer.from("a-little-bit-longer-string"))).toBe(-1486304829);
    expect(murmur2(Buffer.from("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"))).toBe(-58897971);
    expect(murmur2(Buffer.from([97, 98, 99]))).toBe(479470107);
  });

  it("picks the same partition as kafkajs's DefaultPartitioner for random keys", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
      const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }));
      const expected = kafkajs({ topic: "t", partitionMetadata, message: { key: Buffer.from(key), value: null } } as never);
      expect(partitionForKey(key, n)).toBe(expected);
    }), { numRuns: 500 });
  });
});
