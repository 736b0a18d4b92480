// The trivial Kafka broker that measures the load generator's own ceiling (kafka-load.ts):
// CreateTopics succeeds, Produce keeps each batch in memory as sent (its base offset set) and
// answers at once, Fetch answers whole kept batches from the one holding the offset up to the
// asked bytes (at least one). No log, no fsync, no checks. CreateTopics forgets every topic
// kept so far, which bounds memory to one bench run's data. Run as its own process, like the
// broker it stands in for:   node --import tsx bench/lib/kafka-sink.ts   → "sink ready PORT"
import { createServer, type AddressInfo, type Socket } from "node:net";
import { decodeRequest, encodeResponse, framed } from "../../runtime/kafka/protocol/request-response.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";
import type { ProduceRequest } from "../../runtime/kafka/apis/produce/index.ts";
import type { FetchRequest } from "../../runtime/kafka/apis/fetch/index.ts";
import type { CreateTopicsRequest } from "../../runtime/kafka/apis/createTopics/index.ts";
import type { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { onFrames } from "./kafka-load.ts";
import { readNextOffset, setBaseOffset } from "../../runtime/core/index.ts";

/** Past this the sink answers Produce with KAFKA_STORAGE_ERROR: a bench run is bounded. */
const storedBytesMax = 2 * 2 ** 30;
const kafkaStorageError = 56;
const offsetOutOfRange = 1;

interface Partition {
  bases: number[];
  batches: Uint8Array[];
  next: number;
}

const partitions = new Map<string, Partition>();
let storedBytes = 0;

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

function answer(socket: Socket, payload: Uint8Array): void {
  const { header, body } = decodeRequest(payload);
  let response: Writer;
  if (header.apiKey === ApiKey.Produce) response = encodeResponse(header.apiKey, header.apiVersion, header.correlationId, produce(body as ProduceRequest));
  else if (header.apiKey === ApiKey.Fetch) response = encodeResponse(header.apiKey, header.apiVersion, header.correlationId, fetch(body as FetchRequest));
  else if (header.apiKey === ApiKey.CreateTopics) {
    partitions.clear();
    storedBytes = 0;
    const topics = (body as CreateTopicsRequest).topics.map((t) => ({ name: t.name, errorCode: 0 }));
    response = encodeResponse(header.apiKey, header.apiVersion, header.correlationId, { topics });
  } else throw new Error(`the sink serves Produce, Fetch and CreateTopics only, not API key ${header.apiKey}`);
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
  process.stdout.write(`sink ready ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
