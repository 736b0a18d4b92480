// OffsetFetch (key 9): a group's committed positions; a partition with none gets offset -1
// and no error. Null topics (v2+) ask for every partition the group has committed.
// With ACLs (as Kafka): DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED (v2+ in the
// top-level code, and on every partition asked); DESCRIBE on each topic, else
// TOPIC_AUTHORIZATION_FAILED on its partitions (not looked up); asking for all leaves such
// topics out.
import type { OffsetFetchRequest, OffsetFetchResponse } from "../../../runtime/kafka/apis/offsetFetch/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

type TopicAnswer = OffsetFetchResponse["topics"][number];

const refusedTopic = (name: string, partitions: number[], errorCode: number): TopicAnswer =>
  ({ name, partitions: partitions.map((partitionIndex) => ({ partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: null, errorCode })) });

export const offsetFetchHandler: KafkaHandler = async (ctx: RequestContext<OffsetFetchRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  if (!groups) {
    const body: OffsetFetchResponse = { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    return respond(body);
  }
  if (!authorized(ctx, "group", req.groupId, "DESCRIBE")) {
    const errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    return respond({ throttleTimeMs: 0, errorCode, topics: (req.topics ?? []).map((t) => refusedTopic(t.name, t.partitionIndexes, errorCode)) } satisfies OffsetFetchResponse);
  }
  const describable = (name: string) => authorized(ctx, "topic", name, "DESCRIBE");
  const asked = req.topics?.filter((t) => describable(t.name)).map((t) => ({ name: t.name, partitions: t.partitionIndexes })) ?? null;
  const out = groups.fetchOffsets(req.groupId, asked);
  const found: TopicAnswer[] = out.topics.filter((t) => describable(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p) => ({
      partitionIndex: p.partition,
      committedOffset: p.offset,
      committedLeaderEpoch: p.leaderEpoch,
      metadata: p.metadata,
      errorCode: p.errorCode,
    })),
  }));
  // In request order: the looked-up topics in turn, the refused ones answered in their place.
  let next = 0;
  const topics = req.topics === null ? found
    : req.topics.map((t) => describable(t.name) ? found[next++] : refusedTopic(t.name, t.partitionIndexes, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  const body: OffsetFetchResponse = { throttleTimeMs: 0, errorCode: out.errorCode, topics };
  return respond(body);
};
