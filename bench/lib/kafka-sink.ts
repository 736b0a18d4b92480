// The trivial Kafka broker that measures the load generator's own ceiling (kafka-load.ts) and
// stands in for the upstream of the bridge bench: CreateTopics succeeds, Produce keeps each
// batch in memory as sent (its base offset set) and answers at once, Fetch answers whole kept
// batches from the one holding the offset up to the asked bytes (at least one). No log, no
// fsync, no checks. CreateTopics forgets the data of every topic kept so far (the names stay
// known to Metadata), which bounds memory to one bench run's data.
// For clients (kafkajs, librdkafka, the bridge) it also answers at once: ApiVersions, Metadata
// (itself as node 0, leader of every partition), FindCoordinator (itself), InitProducerId (a
// new producer id each time), AddPartitionsToTxn, EndTxn, ListOffsets (0 or the next offset).
// Transactions are not kept: data is visible once produced; each EndTxn commit prints
// "sink commit N" (N: data records produced since the last CreateTopics, topics starting with
// "__" not counted), so a bench can time a transactional producer from outside; the first data
// Produce after a CreateTopics prints "sink first data" (a client's start-up ends there).
// Run as its own process, like the broker it stands in for:
//   node --import tsx bench/lib/kafka-sink.ts   → "sink ready PORT"
import { createServer, type AddressInfo, type Socket } from "node:net";
import { decodeRequest, encodeResponse, framed } from "../../runtime/kafka/protocol/request-response.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";
import type { ProduceRequest } from "../../runtime/kafka/apis/produce/index.ts";
import type { FetchRequest } from "../../runtime/kafka/apis/fetch/index.ts";
import type { CreateTopicsRequest } from "../../runtime/kafka/apis/createTopics/index.ts";
import type { MetadataRequest, MetadataResponse } from "../../runtime/kafka/apis/metadata/index.ts";
import type { FindCoordinatorResponse } from "../../runtime/kafka/apis/findCoordinator/index.ts";
import type { InitProducerIdResponse } from "../../runtime/kafka/apis/initProducerId/index.ts";
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "../../runtime/kafka/apis/addPartitionsToTxn/index.ts";
import type { EndTxnRequest, EndTxnResponse } from "../../runtime/kafka/apis/endTxn/index.ts";
import type { ListOffsetsRequest, ListOffsetsResponse } from "../../runtime/kafka/apis/listOffsets/index.ts";
import type { ApiVersionsResponse } from "../../runtime/kafka/apis/apiVersions/index.ts";
import { apiTable } from "../../runtime/kafka/apis/index.ts";
import type { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { onFrames } from "./kafka-load.ts";
import { readNextOffset, readRecordCount, setBaseOffset } from "../../runtime/core/index.ts";

/** Past this the sink answers Produce with KAFKA_STORAGE_ERROR: a bench run is bounded. */
const storedBytesMax = 2 * 2 ** 30;
const kafkaStorageError = 56;
const offsetOutOfRange = 1;
const unknownTopicOrPartition = 3;
const earliestTimestamp = -2;
const nodeId = 0;
/** The APIs answered here, advertised with ledge's own version ranges (runtime/kafka/apis). */
const served = new Set<number>([ApiKey.Produce, ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Metadata, ApiKey.FindCoordinator, ApiKey.ApiVersions,
  ApiKey.CreateTopics, ApiKey.InitProducerId, ApiKey.AddPartitionsToTxn, ApiKey.EndTxn]);

interface Partition {
  bases: number[];
  batches: Uint8Array[];
  next: number;
}

const partitions = new Map<string, Partition>();
/** Topic name → partition count, from CreateTopics or a first Produce. */
const topics = new Map<string, number>();
let storedBytes = 0;
/** Data records produced since the last CreateTopics (internal "__" topics not counted). */
let dataRecords = 0;
let port = 0;
let nextProducerId = 1000;

function partitionOf(topic: string, index: number): Partition {
  const key = `${topic}/${index}`;
  let p = partitions.get(key);
  if (!p) partitions.set(key, (p = { bases: [], batches: [], next: 0 }));
  return p;
}

function produce(body: ProduceRequest) {
  return {
    throttleTimeMs: 0,
    responses: body.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((d) => {
        const batch = d.records as Uint8Array;
        if (storedBytes + batch.length > storedBytesMax) return { index: d.index, errorCode: kafkaStorageError, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
        const p = partitionOf(t.name, d.index);
        const base = p.next;
        // A copy of its own (Buffer's slice() would be a view): the frame reader reuses its
        // join buffer, and small socket chunks share Node's buffer pool.
        const kept = new Uint8Array(batch);
        setBaseOffset(kept, base);
        p.bases.push(base);
        p.batches.push(kept);
        p.next = readNextOffset(kept);
        storedBytes += batch.length;
        if (!topics.has(t.name)) topics.set(t.name, d.index + 1);
        if (!t.name.startsWith("__")) {
          if (dataRecords === 0) process.stdout.write("sink first data\n");
          dataRecords += readRecordCount(kept);
        }
        return { index: d.index, errorCode: 0, baseOffset: base, logAppendTimeMs: -1, logStartOffset: 0 };
      }),
    })),
  };
}

/** Index of the batch holding `offset` (the last with base <= offset). */
function batchIndex(p: Partition, offset: number): number {
  let lo = 0;
  let hi = p.bases.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (p.bases[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function fetch(body: FetchRequest) {
  return {
    throttleTimeMs: 0, errorCode: 0, sessionId: 0,
    responses: body.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((q) => {
        const p = partitionOf(t.topic, q.partition);
        const out = { partitionIndex: q.partition, errorCode: 0, highWatermark: p.next, lastStableOffset: p.next, logStartOffset: 0, abortedTransactions: null, preferredReadReplica: -1, records: [] as Uint8Array[] };
        if (q.fetchOffset < 0 || q.fetchOffset > p.next) return { ...out, errorCode: offsetOutOfRange };
        let bytes = 0;
        for (let i = batchIndex(p, q.fetchOffset); q.fetchOffset < p.next && i < p.batches.length; i++) {
          if (bytes > 0 && bytes + p.batches[i].length > q.partitionMaxBytes) break;
          out.records.push(p.batches[i]);
          bytes += p.batches[i].length;
        }
        return out;
      }),
    })),
  };
}

function createTopics(body: CreateTopicsRequest) {
  partitions.clear();
  storedBytes = 0;
  dataRecords = 0;
  for (const t of body.topics) topics.set(t.name, Math.max(1, t.numPartitions));
  return { throttleTimeMs: 0, topics: body.topics.map((t) => ({ name: t.name, errorCode: 0, errorMessage: null })) };
}

function metadata(body: MetadataRequest): MetadataResponse {
  const names = body.topics === null ? [...topics.keys()] : body.topics.map((t) => t.name);
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId, host: "127.0.0.1", port, rack: null }],
    clusterId: "ledge-bench-sink",
    controllerId: nodeId,
    topics: names.map((name) => {
      const count = topics.get(name);
      if (count === undefined) return { errorCode: unknownTopicOrPartition, name, isInternal: false, partitions: [] };
      const parts = Array.from({ length: count }, (_, i) => ({ errorCode: 0, partitionIndex: i, leaderId: nodeId, leaderEpoch: 0, replicaNodes: [nodeId], isrNodes: [nodeId], offlineReplicas: [] }));
      return { errorCode: 0, name, isInternal: false, partitions: parts };
    }),
  };
}

function listOffsets(body: ListOffsetsRequest): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((q) => ({ partitionIndex: q.partitionIndex, errorCode: 0, timestamp: -1, offset: q.timestamp === earliestTimestamp ? 0 : partitionOf(t.name, q.partitionIndex).next, leaderEpoch: 0 })),
    })),
  };
}

function body(apiKey: number, request: unknown): unknown {
  switch (apiKey) {
    case ApiKey.Produce: return produce(request as ProduceRequest);
    case ApiKey.Fetch: return fetch(request as FetchRequest);
    case ApiKey.CreateTopics: return createTopics(request as CreateTopicsRequest);
    case ApiKey.Metadata: return metadata(request as MetadataRequest);
    case ApiKey.ListOffsets: return listOffsets(request as ListOffsetsRequest);
    case ApiKey.ApiVersions:
      return { errorCode: 0, throttleTimeMs: 0, apiKeys: apiTable.filter((r) => served.has(r.apiKey)).map(({ apiKey: k, minVersion, maxVersion }) => ({ apiKey: k, minVersion, maxVersion })) } satisfies ApiVersionsResponse;
    case ApiKey.FindCoordinator: return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId, host: "127.0.0.1", port } satisfies FindCoordinatorResponse;
    case ApiKey.InitProducerId: return { throttleTimeMs: 0, errorCode: 0, producerId: nextProducerId++, producerEpoch: 0 } satisfies InitProducerIdResponse;
    case ApiKey.AddPartitionsToTxn:
      return { throttleTimeMs: 0, resultsByTopic: (request as AddPartitionsToTxnRequest).topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: 0 })) })) } satisfies AddPartitionsToTxnResponse;
    case ApiKey.EndTxn:
      if ((request as EndTxnRequest).committed) process.stdout.write(`sink commit ${dataRecords}\n`);
      return { throttleTimeMs: 0, errorCode: 0 } satisfies EndTxnResponse;
    default: throw new Error(`the sink does not serve API key ${apiKey}`);
  }
}

function answer(socket: Socket, payload: Uint8Array): void {
  const { header, body: request } = decodeRequest(payload);
  const response: Writer = encodeResponse(header.apiKey, header.apiVersion, header.correlationId, body(header.apiKey, request));
  socket.cork();
  for (const c of framed(response)) socket.write(c);
  socket.uncork();
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  onFrames(socket, (payload) => answer(socket, payload), (err) => process.stderr.write(`kafka sink: ${err.message}\n`));
  socket.on("error", () => socket.destroy());
});

server.listen(0, "127.0.0.1", () => {
  port = (server.address() as AddressInfo).port;
  process.stdout.write(`sink ready ${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
