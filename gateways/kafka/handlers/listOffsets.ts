// ListOffsets (key 2), v1-v5: latest (-1) = high watermark, or the last stable offset at
// read_committed (v2+ isolation level), earliest (-2) = log start offset, otherwise the first offset whose record
// timestamp is >= the given one, answered with that record's own timestamp (-1/-1 if none).
// With ACLs, a topic the principal may not DESCRIBE gets TOPIC_AUTHORIZATION_FAILED (as Kafka).
import type { ListOffsetsRequest, ListOffsetsResponse, ListOffsetsPartitionResponse } from "../../../runtime/kafka/apis/listOffsets/index.ts";
import { earliestTimestamp, latestTimestamp } from "../../../runtime/kafka/apis/listOffsets/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized } from "../authz/check.ts";

async function listOffset(ctx: RequestContext<ListOffsetsRequest>, topic: string, partitionIndex: number, timestamp: number): Promise<ListOffsetsPartitionResponse> {
  const base = { partitionIndex, errorCode: 0, timestamp: -1, offset: -1, leaderEpoch: 0 };
  const { log, logger } = ctx.parts;
  try {
    const state = await log.partitionState(topic, partitionIndex);
    if (!state) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1 };
    if (timestamp === latestTimestamp) {
      const committed = (ctx.body.isolationLevel ?? 0) === 1;
      return { ...base, offset: committed ? state.lastStableOffset ?? state.highWatermark : state.highWatermark };
    }
    if (timestamp === earliestTimestamp) return { ...base, offset: state.logStartOffset };
    if (timestamp < 0) return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
    const found = await log.recordAtTimestamp(topic, partitionIndex, timestamp);
    return found === null ? base : { ...base, offset: found.offset, timestamp: found.timestampMs };
  } catch (err) {
    return { ...base, errorCode: kafkaCodeOf(err, logger, `ListOffsets on ${topic}[${partitionIndex}]`).code };
  }
}

export const listOffsetsHandler: KafkaHandler = async (ctx: RequestContext<ListOffsetsRequest>) => {
  const topics = await Promise.all(ctx.body.topics.map(async (t) => {
    const refused = !authorized(ctx, "topic", t.name, "DESCRIBE");
    return {
      name: t.name,
      partitions: await Promise.all(t.partitions.map((p) => refused
        ? { partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, timestamp: -1, offset: -1, leaderEpoch: -1 }
        : listOffset(ctx, t.name, p.partitionIndex, p.timestamp))),
    };
  }));
  const response: ListOffsetsResponse = { throttleTimeMs: 0, topics };
  return respond(response);
};
