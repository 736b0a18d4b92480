// The transaction coordinator through the wire, byte for byte: requests built with the
// reference codec (Kafka's own message definitions), against a real listener over a real log.
// Wrong moves get Kafka's codes, every bound in `transactions:` holds, a silent transaction is
// aborted at its timeout, and the admin views (KIP-664) show what is open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBatch } from "../../runtime/core/index.ts";
import { RawKafkaClient } from "../kafka/helpers/raw-client.ts";
import { startTestLedge, type TestLedge } from "../kafka/helpers/ledge.ts";

let ledge: TestLedge;
let c: RawKafkaClient;

beforeAll(async () => {
  ledge = await startTestLedge({}, {
    topics: [{ name: "t", partitions: 4 }, { name: "in", partitions: 1 }],
    transactions: { timeoutMsMax: "20s", openCountMax: 3, partitionCountMax: 3, offsetCountMax: 2, idCountMax: 30 },
  });
  c = await RawKafkaClient.open(ledge.port);
});

afterAll(async () => {
  c?.destroy();
  await ledge?.close();
});

const enc = new TextEncoder();
const txnBatch = (producerId: number, producerEpoch: number, baseSequence: number, value: string) =>
  encodeBatch([{ key: null, value: enc.encode(value), timestampMs: Date.now() }], { producerId, producerEpoch, baseSequence, transactional: true }).slice();

async function init(id: string, timeoutMs = 10_000): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  return (await c.request(22, 1, { transactionalId: id, transactionTimeoutMs: timeoutMs })).body;
}
async function addPartitions(id: string, pid: number, epoch: number, partitions: number[], topic = "t"): Promise<number[]> {
  const r = (await c.request(24, 1, { transactionalId: id, producerId: pid, producerEpoch: epoch, topics: [{ name: topic, partitions }] })).body;
  return r.resultsByTopic[0].resultsByPartition.map((p: { partitionErrorCode: number }) => p.partitionErrorCode);
}
async function endTxn(id: string, pid: number, epoch: number, committed: boolean): Promise<number> {
  return (await c.request(26, 1, { transactionalId: id, producerId: pid, producerEpoch: epoch, committed })).body.errorCode;
}
async function produce(id: string | null, partition: number, batch: Uint8Array): Promise<number> {
  const r = (await c.request(0, 7, { transactionalId: id, acks: -1, timeoutMs: 5000, topicData: [{ name: "t", partitionData: [{ index: partition, records: batch }] }] })).body;
  return r.responses[0].partitionResponses[0].errorCode;
}
async function addOffsets(id: string, pid: number, epoch: number, groupId: string): Promise<number> {
  return (await c.request(25, 1, { transactionalId: id, producerId: pid, producerEpoch: epoch, groupId })).body.errorCode;
}
async function txnOffsetCommit(id: string, pid: number, epoch: number, groupId: string, partitions: number[], extra: Record<string, unknown> = {}, version = 0): Promise<number[]> {
  const r = (await c.request(28, version, {
    transactionalId: id, groupId, producerId: pid, producerEpoch: epoch, generationId: -1, memberId: "", groupInstanceId: null, ...extra,
    topics: [{ name: "in", partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: "" })) }],
  })).body;
  return r.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode);
}

describe("transaction coordinator: wrong moves get Kafka's codes", () => {
  it("EndTxn for an unknown transactional id -> INVALID_PRODUCER_ID_MAPPING (49)", async () => {
    expect(await endTxn("nobody", 1, 0, true)).toBe(49);
  });

  it("a stale epoch -> INVALID_PRODUCER_EPOCH (47); a wrong producer id -> INVALID_PRODUCER_ID_MAPPING (49)", async () => {
    const a = await init("stale");
    const b = await init("stale");
    expect(b.producerEpoch).toBe(a.producerEpoch + 1);
    expect(await addPartitions("stale", a.producerId, a.producerEpoch, [0])).toEqual([47]);
    expect(await addPartitions("stale", a.producerId + 1000, b.producerEpoch, [0])).toEqual([49]);
    expect(await endTxn("stale", b.producerId, b.producerEpoch, true)).toBe(48); // nothing begun
  });

  it("a transactional batch for a partition not added -> INVALID_TXN_STATE (48), nothing stored", async () => {
    const p = await init("not-added");
    expect(await addPartitions("not-added", p.producerId, p.producerEpoch, [0])).toEqual([0]);
    const before = ledge.log.partitionState("t", 1).highWatermark;
    expect(await produce("not-added", 1, txnBatch(p.producerId, p.producerEpoch, 0, "x"))).toBe(48);
    expect(ledge.log.partitionState("t", 1).highWatermark).toBe(before);
    expect(await produce("not-added", 0, txnBatch(p.producerId, p.producerEpoch, 0, "ok"))).toBe(0);
    expect(await endTxn("not-added", p.producerId, p.producerEpoch, false)).toBe(0);
  });

  it("after a commit: a retried commit is fine, an abort is INVALID_TXN_STATE, produce without AddPartitions is refused", async () => {
    const p = await init("after-commit");
    expect(await addPartitions("after-commit", p.producerId, p.producerEpoch, [2])).toEqual([0]);
    expect(await produce("after-commit", 2, txnBatch(p.producerId, p.producerEpoch, 0, "c"))).toBe(0);
    expect(await endTxn("after-commit", p.producerId, p.producerEpoch, true)).toBe(0);
    expect(await endTxn("after-commit", p.producerId, p.producerEpoch, true)).toBe(0);
    expect(await endTxn("after-commit", p.producerId, p.producerEpoch, false)).toBe(48);
    expect(await produce("after-commit", 2, txnBatch(p.producerId, p.producerEpoch, 1, "late"))).toBe(48);
    const state = ledge.log.partitionState("t", 2);
    expect(state.lastStableOffset).toBe(state.highWatermark);
  });

  it("AddPartitionsToTxn for an unknown topic -> UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for the rest", async () => {
    const p = await init("unknown-topic");
    const r = (await c.request(24, 1, { transactionalId: "unknown-topic", producerId: p.producerId, producerEpoch: p.producerEpoch, topics: [{ name: "t", partitions: [0] }, { name: "nope", partitions: [0] }] })).body;
    expect(r.resultsByTopic.map((t: { resultsByPartition: Array<{ partitionErrorCode: number }> }) => t.resultsByPartition[0].partitionErrorCode)).toEqual([55, 3]);
  });

  it("TxnOffsetCommit: without AddOffsetsToTxn -> INVALID_TXN_STATE; from a foreign group generation -> ILLEGAL_GENERATION", async () => {
    const p = await init("offsets");
    expect(await addPartitions("offsets", p.producerId, p.producerEpoch, [3])).toEqual([0]);
    expect(await txnOffsetCommit("offsets", p.producerId, p.producerEpoch, "g-tx", [0])).toEqual([48]);
    expect(await addOffsets("offsets", p.producerId, p.producerEpoch, "g-tx")).toBe(0);
    expect(await txnOffsetCommit("offsets", p.producerId, p.producerEpoch, "g-tx", [0], { generationId: 7, memberId: "ghost" }, 3)).toEqual([22]);
    expect(await txnOffsetCommit("offsets", p.producerId, p.producerEpoch, "g-tx", [0])).toEqual([0]);
    expect(await endTxn("offsets", p.producerId, p.producerEpoch, false)).toBe(0);
  });

  it("TxnOffsetCommit v0 (no member, no generation: kafkajs's sendOffsets) stands while the group has members; v3 from an unknown member -> UNKNOWN_MEMBER_ID", async () => {
    // The application's own consumer is in the group, Stable, as in a consume-transform-produce loop.
    const joined = (await c.request(11, 3, { groupId: "g-live", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }] })).body;
    expect(joined.errorCode).toBe(0);
    const { memberId, generationId } = joined;
    expect((await c.request(14, 2, { groupId: "g-live", generationId, memberId, assignments: [{ memberId, assignment: new Uint8Array(0) }] })).body.errorCode).toBe(0);
    const p = await init("live-group");
    expect(await addOffsets("live-group", p.producerId, p.producerEpoch, "g-live")).toBe(0);
    expect(await txnOffsetCommit("live-group", p.producerId, p.producerEpoch, "g-live", [0])).toEqual([0]);
    expect(await txnOffsetCommit("live-group", p.producerId, p.producerEpoch, "g-live", [0], { generationId, memberId: "ghost" }, 3)).toEqual([25]);
    expect(await txnOffsetCommit("live-group", p.producerId, p.producerEpoch, "g-live", [0], { generationId, memberId }, 3)).toEqual([0]);
    expect(await endTxn("live-group", p.producerId, p.producerEpoch, true)).toBe(0);
    const fetched = (await c.request(9, 1, { groupId: "g-live", topics: [{ name: "in", partitionIndexes: [0] }] })).body;
    expect(fetched.topics[0].partitions[0]).toMatchObject({ partitionIndex: 0, committedOffset: 5, errorCode: 0 });
    expect((await c.request(13, 1, { groupId: "g-live", memberId })).body.errorCode).toBe(0);
  });
});

describe("transaction timeout and the admin views", () => {
  it("a producer that begins and goes silent is aborted at its timeout and fenced; its records never become visible", { timeout: 20_000 }, async () => {
    const admin = await RawKafkaClient.open(ledge.port);
    try {
      const timeoutTestLedge = ledge;
      const p = (await admin.request(22, 1, { transactionalId: "silent", transactionTimeoutMs: 1000 })).body;
      await admin.request(24, 1, { transactionalId: "silent", producerId: p.producerId, producerEpoch: p.producerEpoch, topics: [{ name: "t", partitions: [3] }] });
      const before = timeoutTestLedge.log.partitionState("t", 3);
      expect((await admin.request(0, 7, { transactionalId: "silent", acks: -1, timeoutMs: 5000, topicData: [{ name: "t", partitionData: [{ index: 3, records: txnBatch(p.producerId, p.producerEpoch, 0, "ghost") }] }] })).body.responses[0].partitionResponses[0].errorCode).toBe(0);
      expect(timeoutTestLedge.log.partitionState("t", 3).lastStableOffset).toBe(before.highWatermark);
      const described = (await admin.request(65, 0, { transactionalIds: ["silent"] })).body.transactionStates[0];
      expect(described).toMatchObject({ errorCode: 0, transactionState: "Ongoing", producerId: p.producerId, topics: [{ name: "t", partitionIndexes: [3] }] });
      const listed = (await admin.request(66, 0, { stateFilters: ["Ongoing", "Nonsense"], producerIdFilters: [] })).body;
      expect(listed.unknownStateFilters).toEqual(["Nonsense"]);
      expect(listed.transactionStates.map((s: { transactionalId: string }) => s.transactionalId)).toContain("silent");
      const deadline = Date.now() + 8000;
      let state = "";
      while (Date.now() < deadline) {
        state = (await admin.request(65, 0, { transactionalIds: ["silent"] })).body.transactionStates[0].transactionState;
        if (state === "CompleteAbort") break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(state).toBe("CompleteAbort");
      const after = timeoutTestLedge.log.partitionState("t", 3);
      expect(after.lastStableOffset).toBe(after.highWatermark);
      const read = timeoutTestLedge.log.readCommitted("t", 3, before.highWatermark, 1 << 20);
      expect(read.abortedTransactions).toEqual([{ producerId: p.producerId, firstOffset: before.highWatermark }]);
      // The fenced producer's late batch is refused.
      expect((await admin.request(0, 7, { transactionalId: "silent", acks: -1, timeoutMs: 5000, topicData: [{ name: "t", partitionData: [{ index: 3, records: txnBatch(p.producerId, p.producerEpoch, 1, "late") }] }] })).body.responses[0].partitionResponses[0].errorCode).toBe(47);
      expect((await admin.request(65, 0, { transactionalIds: ["never"] })).body.transactionStates[0].errorCode).toBe(105);
    } finally {
      admin.destroy();
    }
  });
});

describe("transaction coordinator: bounds (transactions: in config)", () => {
  it("timeoutMsMax: a longer transaction timeout -> INVALID_TRANSACTION_TIMEOUT (50)", async () => {
    expect((await init("too-long", 20_001)).errorCode).toBe(50);
    expect((await init("too-long", 20_000)).errorCode).toBe(0);
  });

  it("openCountMax: a transaction past the bound waits with CONCURRENT_TRANSACTIONS (51), then begins once one ends", async () => {
    const ids = ["open-a", "open-b", "open-c", "open-d"];
    const ps = [];
    for (const id of ids) ps.push(await init(id));
    for (let i = 0; i < 3; i++) expect(await addPartitions(ids[i], ps[i].producerId, ps[i].producerEpoch, [0])).toEqual([0]);
    expect(await addPartitions("open-d", ps[3].producerId, ps[3].producerEpoch, [0])).toEqual([51]);
    expect(await endTxn("open-a", ps[0].producerId, ps[0].producerEpoch, false)).toBe(0);
    expect(await addPartitions("open-d", ps[3].producerId, ps[3].producerEpoch, [0])).toEqual([0]);
    for (let i = 1; i < 4; i++) expect(await endTxn(ids[i], ps[i].producerId, ps[i].producerEpoch, false)).toBe(0);
  });

  it("partitionCountMax: a fourth partition in one transaction -> POLICY_VIOLATION (44)", async () => {
    const p = await init("wide");
    expect(await addPartitions("wide", p.producerId, p.producerEpoch, [0, 1, 2])).toEqual([0, 0, 0]);
    expect(await addPartitions("wide", p.producerId, p.producerEpoch, [3])).toEqual([44]);
    expect(await addPartitions("wide", p.producerId, p.producerEpoch, [1])).toEqual([0]); // already in: no growth
    expect(await endTxn("wide", p.producerId, p.producerEpoch, false)).toBe(0);
  });

  it("offsetCountMax: more pending offsets than the bound -> POLICY_VIOLATION (44)", async () => {
    await ledge.log.addPartitions("in", 3);
    const p = await init("many-offsets");
    expect(await addOffsets("many-offsets", p.producerId, p.producerEpoch, "g-many")).toBe(0);
    expect(await txnOffsetCommit("many-offsets", p.producerId, p.producerEpoch, "g-many", [0, 1])).toEqual([0, 0]);
    expect(await txnOffsetCommit("many-offsets", p.producerId, p.producerEpoch, "g-many", [2])).toEqual([44]);
    expect(await txnOffsetCommit("many-offsets", p.producerId, p.producerEpoch, "g-many", [1])).toEqual([0]); // replaces: no growth
    expect(await endTxn("many-offsets", p.producerId, p.producerEpoch, false)).toBe(0);
  });

  it("idCountMax: a new transactional id past the bound -> THROTTLING_QUOTA_EXCEEDED (89); known ids go on", async () => {
    let created = 0;
    let refused = false;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await init(`id-${i}`);
      if (r.errorCode === 89) refused = true;
      else {
        expect(r.errorCode).toBe(0);
        created++;
      }
    }
    expect(refused).toBe(true);
    expect(created).toBeGreaterThan(0);
    expect((await c.request(66, 0, { stateFilters: [], producerIdFilters: [] })).body.transactionStates.length).toBe(30);
    expect((await init("id-0")).errorCode).toBe(0);
  });
});

