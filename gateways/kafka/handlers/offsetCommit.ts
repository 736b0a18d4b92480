// OffsetCommit (key 8): stores a group's positions durably in the log's group store, after
// the coordinator has checked the member and generation. Answers once the commit is on disk.
// Partitions of topics the log does not have get UNKNOWN_TOPIC_OR_PARTITION and are not
// stored (as Kafka checks them before the coordinator), so offsets cannot pile up for names
// that do not exist. With ACLs (as Kafka): READ on the group, else GROUP_AUTHORIZATION_FAILED
// for every partition; READ on each topic, else TOPIC_AUTHORIZATION_FAILED for its partitions
// (not stored; the others are).
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../../runtime/kafka/apis/offsetCommit/index.ts";
import type { OffsetCommitPartition } from "../../../runtime/groups/coordinator-types.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

function everyPartition(req: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

/** Partition counts of the request's topics (0 for a topic the log does not have). */
async function partitionCounts(ctx: RequestContext<OffsetCommitRequest>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const t of ctx.body.topics) {
    if (!counts.has(t.name)) counts.set(t.name, (await ctx.parts.log.describeTopic(t.name))?.partitions ?? 0);
  }
  return counts;
}

export const offsetCommitHandler: KafkaHandler = async (ctx: RequestContext<OffsetCommitRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  if (!groups) return respond(everyPartition(req, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!authorized(ctx, "group", req.groupId, "READ")) return respond(everyPartition(req, ErrorCode.GROUP_AUTHORIZATION_FAILED));
  const readable = new Set(req.topics.filter((t) => authorized(ctx, "topic", t.name, "READ")).map((t) => t.name));
  const counts = await partitionCounts(ctx);
  const exists = (topic: string, partition: number) => readable.has(topic) && partition >= 0 && partition < counts.get(topic)!;
  const out = await groups.commitOffsets({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)).map((p): OffsetCommitPartition => ({
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch ?? -1,
        metadata: p.committedMetadata,
      })),
    })),
  });
  // Answer every partition asked about, in request order.
  const body: OffsetCommitResponse = {
    throttleTimeMs: 0,
    topics: req.topics.map((t, i) => {
      const stored = out.topics[i].partitions;
      let next = 0;
      return {
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: exists(t.name, p.partitionIndex) ? stored[next++].errorCode
            : readable.has(t.name) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        })),
      };
    }),
  };
  return respond(body);
};
