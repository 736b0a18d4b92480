// The independent broker check: the same kcat and kafkajs scenarios run against librdkafka's
// own mock cluster and against ledge, and must give the same client-visible results.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { startTestLedge, type TestLedge } from "./helpers/ledge.ts";
import { startMockCluster, type MockCluster } from "./helpers/kcat.ts";
import { codecs, kcatProduceConsume, kafkajsRoundTrip } from "./helpers/scenarios.ts";

let ledge: TestLedge;
let mock: MockCluster;

beforeAll(async () => {
  // The mock cluster auto-creates topics with 4 partitions; ledge is set to do the same.
  ledge = await startTestLedge({}, { log: { partitionCountDefault: 4 } });
  mock = await startMockCluster();
});
afterAll(async () => {
  await mock?.stop();
  await ledge?.close();
});

describe("ledge and librdkafka's mock cluster give the same client-visible results", () => {
  for (const codec of codecs) {
    it(`kcat idempotent produce -z ${codec}, CRC-checked consume`, async () => {
      const onMock = await kcatProduceConsume(mock.bootstrap, `cmp-${codec}`, codec, 100);
      const onLedge = await kcatProduceConsume(`127.0.0.1:${ledge.port}`, `cmp-${codec}`, codec, 100);
      expect(onMock.consumed.length).toBe(100);
      expect(onLedge.consumed).toEqual(onMock.consumed);
      expect(onLedge.produceErrors).toEqual(onMock.produceErrors);
      expect(onLedge.consumeErrors).toEqual(onMock.consumeErrors);
      expect(new Set(onLedge.setCodecs)).toEqual(new Set(onMock.setCodecs));
      expect(onLedge.notCompressing).toBe(onMock.notCompressing);
    });
  }

  it("kafkajs producer (acks=-1, gzip, keyed) and group consumer", async () => {
    const onMock = await kafkajsRoundTrip(mock.bootstrap, "cmp-kafkajs");
    const onLedge = await kafkajsRoundTrip(`127.0.0.1:${ledge.port}`, "cmp-kafkajs");
    expect(onMock.sendErrorCodes.every((c) => c === 0)).toBe(true);
    expect(onLedge.sendErrorCodes).toEqual(onMock.sendErrorCodes);
    // Same partitioner, same offsets, same order within each partition.
    expect(onLedge.byPartition).toEqual(onMock.byPartition);
  });
});
