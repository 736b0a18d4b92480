// The bridge's progress, kept upstream in the compacted topic `__ledge_bridge_cursors`: one
// record per local partition, key "edgeId/topic/partition", value the next local offset to ship
// (decimal text, readable with any consumer). Each record is written in the same upstream
// transaction as the data it accounts for, so what upstream committed is exactly what the cursor
// says (KIP-618's technique). Read back with read_committed semantics: data of aborted
// transactions is filtered as Kafka's consumer does, from the Fetch answer's aborted list.
import { UpstreamCluster } from "./cluster.ts";
import { UpstreamError, kafkaError } from "./errors.ts";
import type { BrokerConnection } from "./connection.ts";
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import { earliestTimestamp, latestTimestamp, type ListOffsetsResponse } from "../runtime/kafka/apis/listOffsets/index.ts";
import type { FetchResponse, FetchResponsePartition } from "../runtime/kafka/apis/fetch/index.ts";
import type { CreateTopicsResponse } from "../runtime/kafka/apis/createTopics/index.ts";
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, decodeBatch, readBatchHeader, ReadCommittedFilter, type RecordInput } from "../runtime/core/index.ts";
import { partitionForKey } from "../runtime/log/partitioner.ts";

export const cursorTopic = "__ledge_bridge_cursors";
const readCommitted = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function cursorKey(edgeId: string, topic: string, partition: number): string {
  return `${edgeId}/${topic}/${partition}`;
}

/** The cursor topic's partition that holds an edge's records (all of them in one). */
export function cursorPartition(edgeId: string, partitions: number): number {
  return partitionForKey(encoder.encode(edgeId), partitions);
}

/** The records of one transaction's cursor batch. */
export function cursorRecords(edgeId: string, next: Array<{ topic: string; partition: number; offset: number }>, nowMs: number): RecordInput[] {
  return next.map((c) => ({ key: encoder.encode(cursorKey(edgeId, c.topic, c.partition)), value: encoder.encode(String(c.offset)), timestampMs: nowMs }));
}

/** The cursor topic's partition count, creating it (compacted) when missing. */
export async function ensureCursorTopic(cluster: UpstreamCluster, timeoutMs: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const layout = (await cluster.refreshMetadata([cursorTopic])).get(cursorTopic);
    if (layout && layout.errorCode === 0 && layout.leaders.length > 0) return layout.leaders.length;
    if (layout && layout.errorCode !== 3 && layout.errorCode !== 5 && layout.errorCode !== 0) {
      throw kafkaError(layout.errorCode, `upstream topic ${cursorTopic}`);
    }
    if (attempt === 0 || layout?.errorCode === 3) await createTopic(cluster, cursorTopic, 1, { "cleanup.policy": "compact" }, timeoutMs);
    await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
  }
  throw new UpstreamError("unsupported", `upstream topic ${cursorTopic} has no leader after creating it; check the upstream cluster's health`);
}

/** CreateTopics at the controller (any broker for older clusters); TOPIC_ALREADY_EXISTS is fine. */
export async function createTopic(cluster: UpstreamCluster, name: string, partitions: number, configs: Record<string, string>, timeoutMs: number): Promise<void> {
  const c = cluster.controllerId >= 0 ? await cluster.broker(cluster.controllerId).catch(() => cluster.any()) : await cluster.any();
  const v = c.requireVersion(ApiKey.CreateTopics, 0, 4, "to create upstream topics (or create them yourself and set bridge.createTopics: false)");
  const res = await c.request<CreateTopicsResponse>(ApiKey.CreateTopics, v, {
    topics: [{ name, numPartitions: partitions, replicationFactor: v >= 4 ? -1 : 1, assignments: [], configs: Object.entries(configs).map(([k, value]) => ({ name: k, value })) }],
    timeoutMs,
    validateOnly: false,
  });
  const code = res.topics[0]?.errorCode ?? 0;
  if (code !== 0 && code !== 36) throw kafkaError(code, `creating upstream topic ${name} with ${partitions} partitions`, "create it yourself, or grant ledge's principal CREATE");
}

/** Every committed cursor of `edgeId`: "topic/partition" → next local offset. */
export async function readCursors(cluster: UpstreamCluster, edgeId: string, partitions: number, fetchBytesMax: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const prefix = `${edgeId}/`;
  // All partitions: an edge writes to one, but a grown cursor topic may hold its older records
  // in another. Cursors only move forward, so the largest value wins.
  for (let p = 0; p < partitions; p++) {
    await readPartition(cluster, p, fetchBytesMax, (key, value) => {
      if (!key.startsWith(prefix)) return;
      const offset = Number(value);
      if (!Number.isSafeInteger(offset) || offset < 0) return;
      const local = key.slice(prefix.length);
      out.set(local, Math.max(out.get(local) ?? 0, offset));
    });
  }
  return out;
}

async function leaderOf(cluster: UpstreamCluster, partition: number): Promise<BrokerConnection> {
  const leader = cluster.topic(cursorTopic)?.leaders[partition] ?? -1;
  if (leader < 0) throw new UpstreamError("kafka", `upstream ${cursorTopic}/${partition} has no leader`, 5);
  return cluster.broker(leader);
}

async function listOffset(c: BrokerConnection, partition: number, timestamp: number): Promise<number> {
  const v = c.requireVersion(ApiKey.ListOffsets, 2, 5, "to read the bridge's cursors read_committed");
  const res = await c.request<ListOffsetsResponse>(ApiKey.ListOffsets, v, {
    replicaId: -1, isolationLevel: readCommitted,
    topics: [{ name: cursorTopic, partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp }] }],
  });
  const r = res.topics[0]?.partitions[0];
  if (!r) throw new UpstreamError("protocol", `ListOffsets for ${cursorTopic}/${partition} came back empty from ${c.name}`);
  if (r.errorCode !== 0) throw kafkaError(r.errorCode, `ListOffsets ${cursorTopic}/${partition} at ${c.name}`);
  return r.offset;
}

async function readPartition(cluster: UpstreamCluster, partition: number, fetchBytesMax: number, visit: (key: string, value: string) => void): Promise<void> {
  const c = await leaderOf(cluster, partition);
  let offset = await listOffset(c, partition, earliestTimestamp);
  const end = await listOffset(c, partition, latestTimestamp); // the last stable offset at read_committed
  const v = c.requireVersion(ApiKey.Fetch, 4, 11, "to read the bridge's cursors read_committed");
  // Bounded: every round moves forward or the loop ends.
  for (let round = 0; offset < end && round < 1_000_000; round++) {
    const res = await c.request<FetchResponse>(ApiKey.Fetch, v, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: fetchBytesMax, isolationLevel: readCommitted, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic: cursorTopic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: fetchBytesMax }] }],
      forgottenTopicsData: [], rackId: "",
    });
    const part = res.responses[0]?.partitions[0];
    if (!part) throw new UpstreamError("protocol", `Fetch for ${cursorTopic}/${partition} came back empty from ${c.name}`);
    if (part.errorCode !== 0) throw kafkaError(part.errorCode, `Fetch ${cursorTopic}/${partition} at ${c.name}`);
    const next = visitCommitted(part, offset, end, visit);
    if (next <= offset) break; // nothing whole came back below the stable offset
    offset = next;
  }
}

/** Walks the whole batches of one Fetch answer below `end`, skipping aborted data and control
 * batches (Kafka's consumer rule); returns the offset after the last batch walked. */
export function visitCommitted(part: FetchResponsePartition, from: number, end: number, visit: (key: string, value: string) => void): number {
  const raw = part.records;
  const data = raw === null ? new Uint8Array(0) : Array.isArray(raw) ? Buffer.concat(raw) : raw;
  const filter = new ReadCommittedFilter(part.abortedTransactions);
  let next = from;
  let at = 0;
  while (data.length - at >= BATCH_HEADER_BYTES) {
    const h = readBatchHeader(data.subarray(at));
    const size = h.batchLength + BATCH_LENGTH_PREFIX_BYTES;
    if (size < BATCH_HEADER_BYTES || at + size > data.length) break; // a partial batch ends the answer
    const bytes = data.subarray(at, at + size);
    at += size;
    const last = h.baseOffset + h.lastOffsetDelta;
    if (h.baseOffset >= end) break;
    next = Math.max(next, last + 1);
    if (!filter.visible(bytes)) continue;
    if (last < from) continue;
    for (const r of decodeBatch(bytes).records) {
      if (r.offset < from || r.offset >= end || r.key === null || r.value === null) continue;
      visit(decoder.decode(r.key), decoder.decode(r.value));
    }
  }
  return next;
}
