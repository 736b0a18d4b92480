// The transaction rows of `npm run bench -- kafka`, with a lean client over one raw socket (our
// own codec, as kafka-load.ts): a producer that is transactional or only idempotent, and a
// reader at either isolation level. No Kafka client library is the bound: kcat cannot run
// transactions, and kafkajs spends more CPU per record than the broker (its rate is in the
// produce row's notes).
//
// Produce: the same pre-encoded batches both ways, stamped with the producer's id, epoch and
// sequences once InitProducerId has answered (untimed), `windowCount` Produce requests in flight
// (what an idempotent producer may keep). Transactional: per transaction AddPartitionsToTxn, its
// batches, then EndTxn once every one is acknowledged (as a client must), the commit timed too.
// Fetch: one consumer reads the whole partition (maxWaitMs 0), counting from batch headers:
// the data records the broker returned (control batches excluded) and, at read_committed, the
// ones a client keeps (runtime/core's ReadCommittedFilter over the answer's aborted list).
import type { Socket } from "node:net";
import { decodeResponse } from "../../runtime/kafka/protocol/request-response.ts";
import { ApiKey } from "../../runtime/kafka/apis/index.ts";
import type { ProduceRequest, ProduceResponse } from "../../runtime/kafka/apis/produce/index.ts";
import type { FetchRequest, FetchResponse } from "../../runtime/kafka/apis/fetch/index.ts";
import type { InitProducerIdRequest, InitProducerIdResponse } from "../../runtime/kafka/apis/initProducerId/index.ts";
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "../../runtime/kafka/apis/addPartitionsToTxn/index.ts";
import type { EndTxnRequest, EndTxnResponse } from "../../runtime/kafka/apis/endTxn/index.ts";
import {
  ATTRIBUTE_CONTROL, BATCH_LENGTH_OFFSET, BATCH_LENGTH_PREFIX_BYTES, BATCH_HEADER_BYTES, ReadCommittedFilter,
  encodeBatch, readAttributes, readNextOffset, readRecordCount, restampProducer,
} from "../../runtime/core/index.ts";
import { fetchVersion, frameOf, onFrames, openSocket, produceVersion } from "./kafka-load.ts";

const txnApiVersion = 1;
const timeoutMs = 30_000;

/** One connection; answers come in request order, so each request awaits the next answer. */
class Connection {
  readonly #waiting: Array<{ resolve: (payload: Uint8Array) => void; reject: (err: Error) => void }> = [];
  #correlationId = 0;
  #failed: Error | null = null;

  constructor(readonly socket: Socket) {
    const fail = (err: Error) => {
      this.#failed = err;
      for (const w of this.#waiting.splice(0)) w.reject(err);
    };
    onFrames(socket, (payload) => this.#waiting.shift()?.resolve(payload.slice()), fail);
    socket.on("close", () => fail(new Error("the broker closed the connection")));
  }

  static async open(host: string, port: number): Promise<Connection> {
    return new Connection(await openSocket(host, port, timeoutMs));
  }

  /** Sends `frame` (already encoded) and resolves with the raw answer. */
  sendFrame(frame: Buffer): Promise<Uint8Array> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.socket.write(frame);
    });
  }

  async request<Res>(apiKey: number, apiVersion: number, body: unknown): Promise<Res> {
    const payload = await this.sendFrame(frameOf(apiKey, apiVersion, this.#correlationId++, body));
    return decodeResponse<Res>(apiKey, apiVersion, payload).body;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `count` records of `recordBytes` (the produce rows' lines: a 10-digit number, then x's), in
 * batches of `perBatch`, as a producer sends them (baseOffset 0, no producer yet). */
export function encodeRecordBatches(count: number, recordBytes: number, perBatch: number): Uint8Array[] {
  const pad = "x".repeat(recordBytes);
  const timestampMs = Date.now();
  const batches: Uint8Array[] = [];
  for (let first = 0; first < count; first += perBatch) {
    const records = [];
    for (let i = first; i < Math.min(count, first + perBatch); i++) {
      records.push({ key: null, value: Buffer.from(`${String(i).padStart(10, "0")}${pad}`.slice(0, recordBytes)), timestampMs });
    }
    batches.push(encodeBatch(records));
  }
  return batches;
}

export interface ProduceOptions {
  host: string;
  port: number;
  topic: string;
  batches: Uint8Array[];
  windowCount: number;
  /** Transactional: this id, a transaction per `batchesPerTransaction` batches, every
   * `abortEvery`-th aborted (0: none). Absent: idempotent only. */
  transaction?: { id: string; batchesPerTransaction: number; abortEvery: number };
}

export interface ProduceRun {
  records: number;
  seconds: number;
  cpuSeconds: number;
  transactions: number;
  aborted: number;
  /** Seconds spent waiting for AddPartitionsToTxn and for EndTxn answers (0 when idempotent). */
  addSeconds: number;
  endSeconds: number;
}

function check(what: string, code: number | undefined): void {
  if (code !== 0) throw new Error(`${what} answered error ${code ?? "(none)"}`);
}

/** Produces every batch once into partition 0 of `topic`; the clock runs from the first
 * request after InitProducerId to the last answer (EndTxn's, when transactional). */
export async function runTxnProduce(o: ProduceOptions): Promise<ProduceRun> {
  const conn = await Connection.open(o.host, o.port);
  try {
    const transactionalId = o.transaction?.id ?? null;
    const init = await conn.request<InitProducerIdResponse>(ApiKey.InitProducerId, txnApiVersion, { transactionalId, transactionTimeoutMs: 60_000 } satisfies InitProducerIdRequest);
    check("InitProducerId", init.errorCode);
    const { producerId, producerEpoch } = init;
    let sequence = 0;
    let records = 0;
    const frames = o.batches.map((batch, i) => {
      const stamped = batch.slice();
      restampProducer(stamped, { producerId, producerEpoch, baseSequence: sequence, transactional: transactionalId !== null });
      const count = readRecordCount(stamped);
      sequence += count;
      records += count;
      const body: ProduceRequest = { transactionalId, acks: -1, timeoutMs, topicData: [{ name: o.topic, partitionData: [{ index: 0, records: stamped }] }] };
      return frameOf(ApiKey.Produce, produceVersion, i, body);
    });
    const produce = async (from: number, to: number) => {
      const inflight: Promise<void>[] = [];
      for (let i = from; i < to; i++) {
        if (inflight.length >= o.windowCount) await inflight.shift();
        inflight.push(conn.sendFrame(frames[i]).then((payload) => {
          const answer = decodeResponse<ProduceResponse>(ApiKey.Produce, produceVersion, payload).body;
          check(`Produce of batch ${i}`, answer.responses[0]?.partitionResponses[0]?.errorCode);
        }));
      }
      await Promise.all(inflight);
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let transactions = 0;
    let aborted = 0;
    let addMs = 0;
    let endMs = 0;
    if (!o.transaction) await produce(0, frames.length);
    else {
      const { id, batchesPerTransaction, abortEvery } = o.transaction;
      const txn = { transactionalId: id, producerId, producerEpoch };
      for (let first = 0; first < frames.length; first += batchesPerTransaction) {
        const tAdd = performance.now();
        const added = await conn.request<AddPartitionsToTxnResponse>(ApiKey.AddPartitionsToTxn, txnApiVersion, { ...txn, topics: [{ name: o.topic, partitions: [0] }] } satisfies AddPartitionsToTxnRequest);
        check("AddPartitionsToTxn", added.resultsByTopic[0]?.resultsByPartition[0]?.partitionErrorCode);
        addMs += performance.now() - tAdd;
        await produce(first, Math.min(frames.length, first + batchesPerTransaction));
        const committed = abortEvery === 0 || (transactions + 1) % abortEvery !== 0;
        const tEnd = performance.now();
        check("EndTxn", (await conn.request<EndTxnResponse>(ApiKey.EndTxn, txnApiVersion, { ...txn, committed } satisfies EndTxnRequest)).errorCode);
        endMs += performance.now() - tEnd;
        transactions++;
        if (!committed) aborted++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { records, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, transactions, aborted, addSeconds: addMs / 1000, endSeconds: endMs / 1000 };
  } finally {
    conn.close();
  }
}

export interface FetchRun {
  /** Data records the broker returned (what a reader walks). */
  records: number;
  /** Of those, the ones a read_committed client keeps (all of them at read_uncommitted). */
  visible: number;
  seconds: number;
  cpuSeconds: number;
}

/** Reads partition 0 of `topic` from offset 0 to its end (the high watermark; at read_committed
 * the last stable offset, the same once no transaction is open) `passes` times. */
export async function runTxnFetch(o: { host: string; port: number; topic: string; readCommitted: boolean; fetchBytes: number; passes: number }): Promise<FetchRun> {
  const conn = await Connection.open(o.host, o.port);
  try {
    let records = 0;
    let visible = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let pass = 0; pass < o.passes; pass++) {
      let offset = 0;
      for (let guard = 0; guard < 1_000_000; guard++) {
        const body: FetchRequest = {
          replicaId: -1, maxWaitMs: 0, minBytes: 1, maxBytes: o.fetchBytes, isolationLevel: o.readCommitted ? 1 : 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: o.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: o.fetchBytes }] }],
          forgottenTopicsData: [], rackId: "",
        };
        const answer = await conn.request<FetchResponse>(ApiKey.Fetch, fetchVersion, body);
        const p = answer.responses[0]?.partitions[0];
        check(`Fetch at offset ${offset}`, p?.errorCode);
        const end = o.readCommitted ? p!.lastStableOffset : p!.highWatermark;
        if (offset >= end) break;
        const counted = countRecords(p!.records instanceof Uint8Array ? p!.records : new Uint8Array(0), offset, o.readCommitted ? new ReadCommittedFilter(p!.abortedTransactions) : null);
        if (counted.nextOffset <= offset) throw new Error(`Fetch at offset ${offset} returned no whole batch (end ${end})`);
        records += counted.records;
        visible += counted.visible;
        offset = counted.nextOffset;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { records, visible, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    conn.close();
  }
}

/** Data records of the whole batches in `bytes` from `offset` on, and those `filter` keeps
 * (every one without a filter); control batches are skipped, never counted. */
function countRecords(bytes: Uint8Array, offset: number, filter: ReadCommittedFilter | null): { records: number; visible: number; nextOffset: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let records = 0;
  let visible = 0;
  let nextOffset = offset;
  while (at + BATCH_HEADER_BYTES <= bytes.length) {
    const size = view.getInt32(at + BATCH_LENGTH_OFFSET) + BATCH_LENGTH_PREFIX_BYTES;
    if (at + size > bytes.length) break;
    const batch = bytes.subarray(at, at + size);
    at += size;
    const next = readNextOffset(batch);
    if (next <= nextOffset) continue;
    nextOffset = next;
    const kept = filter === null || filter.visible(batch);
    if ((readAttributes(batch) & ATTRIBUTE_CONTROL) !== 0) continue;
    const count = readRecordCount(batch);
    records += count;
    if (kept) visible += count;
  }
  return { records, visible, nextOffset };
}
