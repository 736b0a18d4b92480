// OffsetFetch (key 9): a group's committed positions; a partition with none gets offset -1
// and no error. Null topics (v2+) ask for every partition the group has committed.
import type { OffsetFetchRequest, OffsetFetchResponse } from "../../../runtime/kafka/apis/offsetFetch/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";

export const offsetFetchHandler: KafkaHandler = async (ctx: RequestContext<OffsetFetchRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  if (!groups) {
    const body: OffsetFetchResponse = { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    return respond(body);
  }
  const topics = req.topics?.map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null;
  const out = groups.fetchOffsets(req.groupId, topics);
  const body: OffsetFetchResponse = {
    throttleTimeMs: 0,
    errorCode: out.errorCode,
    topics: out.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partition,
        committedOffset: p.offset,
        committedLeaderEpoch: p.leaderEpoch,
        metadata: p.metadata,
        errorCode: p.errorCode,
      })),
    })),
  };
  return respond(body);
};
