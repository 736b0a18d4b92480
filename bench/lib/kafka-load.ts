// A lean Kafka load generator: raw TCP sockets speaking the wire protocol through our own codec
// (runtime/kafka). kcat spends more CPU per record than the broker it measures (bench/kafka.ts's
// ceiling rows), so the broker's own rate is measured with this instead, after measuring this
// against a broker that answers from memory (kafka-sink.ts) to show the generator is not the
// limit. The CPU this process spent during a run is reported too.
//
// Produce: every request is encoded once up front (one topic, one partition, one stored batch,
// acks=-1); each connection keeps `windowCount` in flight and sends its next one as each answer
// arrives (answers come in request order). A request counts once its answer says no error.
// Fetch: each connection is one consumer of a slice of the partition's offsets (one fetch in
// flight, as a Kafka consumer keeps per partition), so `connections` consumers read in parallel.
// Records are counted from each batch header (offsets and recordsCount), never decoded.
import { connect, type Socket } from "node:net";
import { decodeResponse, encodeRequest, framed } from "../../runtime/kafka/protocol/request-response.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";
import type { ProduceRequest, ProduceResponse } from "../../runtime/kafka/apis/produce/index.ts";
import type { FetchRequest, FetchResponse } from "../../runtime/kafka/apis/fetch/index.ts";
import type { CreateTopicsResponse } from "../../runtime/kafka/apis/createTopics/index.ts";
import { BATCH_HEADER_BYTES, BATCH_LENGTH_OFFSET, BATCH_LENGTH_PREFIX_BYTES, LAST_OFFSET_DELTA_OFFSET, RECORD_COUNT_OFFSET } from "../../runtime/core/batch-header.ts";

export const produceVersion = 7;
export const fetchVersion = 11;
const clientId = "ledge-bench-load";
/** Answers above this close the run (a 4 MiB fetch answer plus headers fits many times). */
const frameBytesMax = 256 << 20;

export interface LoadRun {
  records: number;
  seconds: number;
  ratePerSecond: number;
  /** User + system CPU seconds this process (the generator) spent during the run. */
  cpuSeconds: number;
  /** Produce only: ms from writing a request to reading its answer (NaN for Fetch). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  timedOut: boolean;
}


export function frameOf(apiKey: number, apiVersion: number, correlationId: number, body: unknown): Buffer {
  return Buffer.concat(framed(encodeRequest({ apiKey, apiVersion, correlationId, clientId }, body)));
}

/** Bytes one socket read may deliver: reads land in one reused buffer per socket (net's
 * `onread`), so a 4 MiB answer costs no allocation per 64 KiB read. */
const readBufferBytes = 1 << 20;

/** Joins int32-size-prefixed frames from reads into one reused buffer; a frame lying whole
 * inside one read is handed over in place. Each frame is handled before the next read. */
class FrameJoiner {
  #acc = new Uint8Array(64 * 1024);
  #accLength = 0;
  #need = -1; // bytes of the frame being joined, prefix included; -1 while its prefix is short

  constructor(private readonly onFrame: (payload: Uint8Array) => void) {}

  push(read: Uint8Array): void {
    let at = 0;
    while (at < read.length) {
      if (this.#accLength === 0 && read.length - at >= 4) {
        const size = frameSize(read, at);
        if (read.length - at - 4 >= size) {
          this.onFrame(read.subarray(at + 4, at + 4 + size));
          at += 4 + size;
          continue;
        }
      }
      at = this.#join(read, at);
    }
  }

  /** Copies from `read` into the join buffer until its frame is whole (then handles it). */
  #join(read: Uint8Array, at: number): number {
    if (this.#need < 0) {
      const take = Math.min(4 - this.#accLength, read.length - at);
      this.#append(read.subarray(at, at + take));
      at += take;
      if (this.#accLength < 4) return at;
      this.#need = 4 + frameSize(this.#acc, 0);
    }
    const take = Math.min(this.#need - this.#accLength, read.length - at);
    this.#append(read.subarray(at, at + take));
    at += take;
    if (this.#accLength === this.#need) {
      const frame = this.#acc.subarray(4, this.#need);
      this.#accLength = 0;
      this.#need = -1;
      this.onFrame(frame);
    }
    return at;
  }

  #append(bytes: Uint8Array): void {
    if (this.#accLength + bytes.length > this.#acc.length) {
      const grown = new Uint8Array(Math.max(this.#acc.length * 2, this.#accLength + bytes.length));
      grown.set(this.#acc.subarray(0, this.#accLength));
      this.#acc = grown;
    }
    this.#acc.set(bytes, this.#accLength);
    this.#accLength += bytes.length;
  }
}

function frameSize(bytes: Uint8Array, at: number): number {
  const size = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
  if (size < 0 || size > frameBytesMax) throw new Error(`frame of ${size} bytes: not Kafka, or above ${frameBytesMax}`);
  return size;
}

/** A socket whose reads go to `onFrames` (see readBufferBytes), connected or failed. */
export function openSocket(host: string, port: number, timeLimitMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host, port, noDelay: true,
      onread: { buffer: Buffer.allocUnsafe(readBufferBytes), callback: (n, buf) => {
        socket.emit("read", buf.subarray(0, n));
        return true;
      } },
    });
    const timer = setTimeout(() => fail(new Error(`no connection to ${host}:${port} within ${timeLimitMs} ms`)), timeLimitMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.once("error", fail);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", fail);
      resolve(socket);
    });
  });
}

/** Frames from one socket, handed over as views valid only during the call. A bad size or a
 * frame `onFrame` cannot handle ends the connection through `onError`. Sockets from
 * openSocket deliver reads as "read" events; others (the sink's) as "data". */
export function onFrames(socket: Socket, onFrame: (payload: Uint8Array) => void, onError: (err: Error) => void): void {
  const joiner = new FrameJoiner(onFrame);
  const push = (read: Uint8Array) => {
    try {
      joiner.push(read);
    } catch (err) {
      socket.destroy();
      onError(err as Error);
    }
  };
  socket.on("read", push);
  socket.on("data", push);
}

/** CreateTopics v0 on one short-lived connection; "already exists" (36) counts as done. */
export async function createTopic(host: string, port: number, topic: string, partitions: number): Promise<void> {
  const socket = await openSocket(host, port, 10_000);
  try {
    const answer = new Promise<Uint8Array>((resolve, reject) => {
      onFrames(socket, (p) => resolve(p.slice()), reject);
      socket.once("close", () => reject(new Error(`${host}:${port} closed the connection during CreateTopics ${topic}`)));
    });
    socket.write(frameOf(ApiKey.CreateTopics, 0, 1, {
      topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000,
    }));
    const { body } = decodeResponse<CreateTopicsResponse>(ApiKey.CreateTopics, 0, await answer);
    const code = body.topics[0]?.errorCode;
    if (code !== 0 && code !== 36) throw new Error(`CreateTopics ${topic} at ${host}:${port} answered error ${code}`);
  } finally {
    socket.destroy();
  }
}

export interface ProduceRequestFrame {
  frame: Buffer;
  records: number;
}

/** One framed Produce request per batch (baseOffset 0 as a producer sends it), acks=-1. */
export function encodeProduceRequests(topic: string, partition: number, batches: Uint8Array[]): ProduceRequestFrame[] {
  return batches.map((batch, i) => {
    const body: ProduceRequest = { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: [{ index: partition, records: batch }] }] };
    const records = new DataView(batch.buffer, batch.byteOffset, batch.byteLength).getInt32(RECORD_COUNT_OFFSET);
    return { frame: frameOf(ApiKey.Produce, produceVersion, i, body), records };
  });
}

interface Lane {
  done: Promise<number>;
  stop(): void;
  /** Answer latencies in ms, when the lane measures them. */
  latencies?: number[];
}

function produceLane(socket: Socket, requests: ProduceRequestFrame[], windowCount: number): Lane {
  let finish!: (n: number) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<number>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const inflight: number[] = [];
  const sentAtMs: number[] = [];
  const latencies: number[] = [];
  let inflightHead = 0;
  let next = 0;
  let records = 0;
  const fill = () => {
    socket.cork();
    while (inflight.length - inflightHead < windowCount && next < requests.length) {
      inflight.push(next);
      sentAtMs.push(performance.now());
      socket.write(requests[next++].frame);
    }
    socket.uncork();
  };
  onFrames(socket, (payload) => {
    latencies.push(performance.now() - sentAtMs[inflightHead]);
    const index = inflight[inflightHead++];
    const { body } = decodeResponse<ProduceResponse>(ApiKey.Produce, produceVersion, payload);
    const p = body.responses[0]?.partitionResponses[0];
    if (!p || p.errorCode !== 0) return fail(new Error(`Produce answered error ${p?.errorCode ?? "(no partition)"}`));
    records += requests[index].records;
    if (inflightHead === requests.length) return finish(records);
    fill();
  }, (err) => fail(err));
  socket.on("close", () => finish(records));
  if (requests.length === 0) finish(0);
  else fill();
  return { done, stop: () => finish(records), latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function timed(o: { host: string; port: number; connections: number; timeLimitMs: number },
  lane: (socket: Socket, c: number) => Lane): Promise<LoadRun> {
  const sockets: Socket[] = [];
  for (let c = 0; c < o.connections; c++) sockets.push(await openSocket(o.host, o.port, o.timeLimitMs));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const lanes = sockets.map(lane);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const l of lanes) l.stop();
  }, o.timeLimitMs);
  try {
    const counts = await Promise.all(lanes.map((l) => l.done));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const records = counts.reduce((a, b) => a + b, 0);
    const latencies = lanes.flatMap((l) => l.latencies ?? []).sort((a, b) => a - b);
    return {
      records, seconds, ratePerSecond: records / seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6,
      latencyP50Ms: percentile(latencies, 0.5), latencyP99Ms: percentile(latencies, 0.99), timedOut,
    };
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
  }
}

export interface ProduceLoadOptions {
  host: string;
  port: number;
  /** Pre-encoded requests, dealt round-robin to the connections. */
  requests: ProduceRequestFrame[];
  connections: number;
  /** Produce requests in flight per connection. */
  windowCount: number;
  timeLimitMs: number;
}

export function runProduceLoad(o: ProduceLoadOptions): Promise<LoadRun> {
  return timed(o, (socket, c) => produceLane(socket, o.requests.filter((_, i) => i % o.connections === c), o.windowCount));
}

/** Records of the batches in `records` whose offsets fall in [from, to), and the offset after
 * the last whole batch. Read from batch headers only; a trailing partial batch is skipped. */
export function countBatchRecords(records: Uint8Array, from: number, to: number): { records: number; nextOffset: number } {
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  let at = 0;
  let count = 0;
  let nextOffset = -1;
  while (at + BATCH_HEADER_BYTES <= records.length) {
    const size = view.getInt32(at + BATCH_LENGTH_OFFSET) + BATCH_LENGTH_PREFIX_BYTES;
    if (at + size > records.length) break;
    const base = Number(view.getBigInt64(at));
    const end = base + view.getInt32(at + LAST_OFFSET_DELTA_OFFSET) + 1;
    // Whole batch inside the range: its header's count. At the range's edges: the overlap
    // (offsets of an uncompacted batch are contiguous).
    count += base >= from && end <= to ? view.getInt32(at + RECORD_COUNT_OFFSET) : Math.max(0, Math.min(end, to) - Math.max(base, from));
    nextOffset = end;
    at += size;
  }
  return { records: count, nextOffset };
}

interface FetchSlice {
  from: number;
  to: number;
}

function fetchLane(socket: Socket, topic: string, partition: number, slice: FetchSlice, fetchBytes: number, passes: number): Lane {
  let finish!: (n: number) => void;
  let fail!: (err: Error) => void;
  const done = new Promise<number>((resolve, reject) => ((finish = resolve), (fail = reject)));
  let records = 0;
  let offset = slice.from;
  let pass = 0;
  let correlationId = 0;
  const send = () => {
    const body: FetchRequest = {
      replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: fetchBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: fetchBytes }] }],
      forgottenTopicsData: [], rackId: "",
    };
    socket.write(frameOf(ApiKey.Fetch, fetchVersion, correlationId++, body));
  };
  onFrames(socket, (payload) => {
    const { body } = decodeResponse<FetchResponse>(ApiKey.Fetch, fetchVersion, payload);
    const p = body.responses[0]?.partitions[0];
    if (!p || p.errorCode !== 0) return fail(new Error(`Fetch at offset ${offset} answered error ${p?.errorCode ?? "(no partition)"}`));
    const got = p.records instanceof Uint8Array ? countBatchRecords(p.records, slice.from, slice.to) : { records: 0, nextOffset: -1 };
    if (got.nextOffset <= offset) return fail(new Error(`Fetch at offset ${offset} returned no whole batch (high watermark ${p.highWatermark}, ${(p.records as Uint8Array | null)?.length} bytes, next ${got.nextOffset})`));
    records += got.records;
    offset = got.nextOffset;
    if (offset >= slice.to) {
      if (++pass === passes) return finish(records);
      offset = slice.from;
    }
    send();
  }, (err) => fail(err));
  socket.on("close", () => finish(records));
  if (passes <= 0 || slice.from >= slice.to) finish(0);
  else send();
  return { done, stop: () => finish(records) };
}

export interface FetchLoadOptions {
  host: string;
  port: number;
  topic: string;
  partition: number;
  /** Records [0, endOffset) are read `passes` times, split into one slice per connection. */
  endOffset: number;
  passes: number;
  connections: number;
  /** Max bytes per fetch (per partition and whole answer). */
  fetchBytes: number;
  timeLimitMs: number;
}

export function runFetchLoad(o: FetchLoadOptions): Promise<LoadRun> {
  const per = Math.ceil(o.endOffset / o.connections);
  return timed(o, (socket, c) =>
    fetchLane(socket, o.topic, o.partition, { from: c * per, to: Math.min(o.endOffset, (c + 1) * per) }, o.fetchBytes, o.passes));
}
