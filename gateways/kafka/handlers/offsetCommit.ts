// OffsetCommit (key 8): stores a group's positions durably in the log's group store, after
// the coordinator has checked the member and generation. Answers once the commit is on disk.
import type { OffsetCommitRequest, OffsetCommitResponse } from "../../../runtime/kafka/apis/offsetCommit/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";

function everyPartition(req: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
}

export const offsetCommitHandler: KafkaHandler = async (ctx: RequestContext<OffsetCommitRequest>) => {
  const req = ctx.body;
  const groups = ctx.parts.groups;
  if (!groups) return respond(everyPartition(req, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  const out = await groups.commitOffsets({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch ?? -1,
        metadata: p.committedMetadata,
      })),
    })),
  });
  const body: OffsetCommitResponse = {
    throttleTimeMs: 0,
    topics: out.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partition, errorCode: p.errorCode })) })),
  };
  return respond(body);
};
