// Produce (key 0), v3-v7 served; v0-v2 are advertised (librdkafka needs min 0 to compress)
// and answered UNSUPPORTED_VERSION per partition. The order of checks follows Kafka
// (kafka-protocol.md section 2): acks, then what only a Produce request decides (exactly one
// batch per partition, zstd only from v7, baseOffset 0 from a client); then the log's one
// validation of a foreign batch (size, magic, CRC, produce rules, every record, keys on compacted
// topics; runtime/core's validateBatch) and the append, raising typed errors that carry the
// Kafka code. acks=0 gets no response; if any partition
// failed, the connection is closed instead (Kafka's way of telling such a producer).
// With ACLs: a transactional produce needs WRITE on its transactional id (else every partition
// gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED) and each topic WRITE (else that topic's
// partitions get TOPIC_AUTHORIZATION_FAILED; the others are stored), checked before anything else.
import type { ProduceRequest, ProducePartitionResponse, ProduceResponse, ProducePartitionData } from "../../../runtime/kafka/apis/produce/index.ts";
import { produceVersionMagic2Min, produceVersionZstdMin } from "../../../runtime/kafka/apis/produce/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, silent, closeConnection, type KafkaHandler, type RequestContext } from "../context.ts";
import {
  ATTRIBUTE_TRANSACTIONAL, BATCH_HEADER_BYTES, BATCH_LENGTH_OFFSET, BATCH_LENGTH_PREFIX_BYTES, Compression,
  readAttributes, readBaseOffset, readCompression, readProducerEpoch, readProducerId,
} from "../../../runtime/core/index.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized } from "../authz/check.ts";

/**
 * The Produce request's own rules for a partition's records (section 2 steps 1-2), which the log
 * cannot know: exactly one batch (a short or overlong record set is INVALID_RECORD here, as
 * Kafka answers, where the log would call it corrupt), zstd only from v7, baseOffset 0 from a
 * client. Null when they pass; every other check is the log's.
 */
export function produceRecordsProblem(records: Uint8Array | null, version: number): number | null {
  if (records === null || records.length < BATCH_HEADER_BYTES) return ErrorCode.INVALID_RECORD;
  const view = new DataView(records.buffer, records.byteOffset, records.length);
  if (view.getInt32(BATCH_LENGTH_OFFSET) + BATCH_LENGTH_PREFIX_BYTES !== records.length) return ErrorCode.INVALID_RECORD;
  if (readCompression(records) === Compression.zstd && version < produceVersionZstdMin) return ErrorCode.UNSUPPORTED_COMPRESSION_TYPE;
  if (readBaseOffset(records) !== 0) return ErrorCode.INVALID_RECORD;
  return null;
}

const failed = (index: number, errorCode: number): ProducePartitionResponse =>
  ({ index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 });

async function producePartition(ctx: RequestContext<ProduceRequest>, topic: string, p: ProducePartitionData): Promise<ProducePartitionResponse> {
  const version = ctx.header.apiVersion;
  if (version < produceVersionMagic2Min) return failed(p.index, ErrorCode.UNSUPPORTED_VERSION);
  const records = p.records as Uint8Array | null;
  const pre = produceRecordsProblem(records, version);
  if (pre !== null) return failed(p.index, pre);
  // A transactional batch is accepted only inside its producer's ongoing transaction, for a
  // partition added to it; the coordinator then waits for this append before writing markers.
  const txnId = ctx.body.transactionalId ?? null;
  const isTransactional = (readAttributes(records!) & ATTRIBUTE_TRANSACTIONAL) !== 0;
  if (isTransactional !== (txnId !== null)) return failed(p.index, ErrorCode.INVALID_TXN_STATE);
  let release = () => {};
  if (txnId !== null) {
    const coordinator = ctx.parts.transactions;
    if (!coordinator) return failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const caller = { transactionalId: txnId, producerId: readProducerId(records!), producerEpoch: readProducerEpoch(records!) };
    const code = coordinator.beginProduce(caller, topic, p.index);
    if (code !== ErrorCode.NONE) return failed(p.index, code);
    release = () => coordinator.endProduce(txnId);
  }
  try {
    const r = await ctx.parts.log.append(topic, p.index, records!).finally(release);
    if (!r.duplicate) ctx.parts.metrics.counter("ledge_kafka_produce_bytes_total", "Record batch bytes stored from Kafka producers").inc(records!.length);
    return { index: p.index, errorCode: 0, baseOffset: r.baseOffset, logAppendTimeMs: r.logAppendTimeMs, logStartOffset: r.logStartOffset };
  } catch (err) {
    const { code, message } = kafkaCodeOf(err, ctx.parts.logger, `Produce to ${topic}[${p.index}]`);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) return failed(p.index, code);
    ctx.parts.logger.warn(`Produce to ${topic}[${p.index}] from ${ctx.connection.remoteAddress} (client ${ctx.header.clientId}) rejected: ${message}`);
    return failed(p.index, code);
  }
}

export const produceHandler: KafkaHandler = async (ctx: RequestContext<ProduceRequest>) => {
  const { body } = ctx;
  const acksValid = body.acks === 0 || body.acks === 1 || body.acks === -1;
  const txnRefused = body.transactionalId != null && !authorized(ctx, "transactional-id", body.transactionalId, "WRITE");
  const responses = await Promise.all(body.topicData.map(async (t) => ({
    name: t.name,
    partitionResponses: await Promise.all(t.partitionData.map((p) => {
      if (txnRefused) return failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      if (!authorized(ctx, "topic", t.name, "WRITE")) return failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
      if (!acksValid) return failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS);
      return producePartition(ctx, t.name, p);
    })),
  })));
  const rejected = responses.reduce((n, t) => n + t.partitionResponses.filter((p) => p.errorCode !== 0).length, 0);
  if (rejected > 0) ctx.parts.metrics.counter("ledge_kafka_produce_rejected_total", "Kafka produce partitions answered with an error").inc(rejected);
  if (body.acks === 0) {
    const firstError = responses.flatMap((t) => t.partitionResponses.map((p) => ({ t: t.name, p }))).find((x) => x.p.errorCode !== 0);
    return firstError
      ? closeConnection(`acks=0 Produce to ${firstError.t}[${firstError.p.index}] failed with Kafka error ${firstError.p.errorCode}; closing tells the producer`)
      : silent;
  }
  const response: ProduceResponse = { responses, throttleTimeMs: 0 };
  return respond(response);
};
