// OffsetCommit and OffsetFetch on top of the log's durable group store. The coordinator has
// already decided whether the committing member may commit (its generation and state).
import type { Logger } from "../logger.ts";
import type { GroupCoordinatorSettings } from "./coordinator-settings.ts";
import {
  GroupError, type GroupOffsetStore, type OffsetCommitInput, type OffsetCommitOutput,
  type OffsetFetchOutput, type OffsetFetchPartition,
} from "./coordinator-types.ts";

/** Kafka's UNKNOWN_SERVER_ERROR, for a commit the store failed to make durable. */
const unknownServerError = -1;

/** Topics and partitions to fetch, or null for every partition the group has committed. */
export type OffsetFetchTopicsInput = { name: string; partitions: number[] }[] | null;

export async function commitOffsets(
  store: GroupOffsetStore,
  settings: GroupCoordinatorSettings,
  logger: Logger,
  input: OffsetCommitInput,
  status: number,
): Promise<OffsetCommitOutput> {
  const topics = await Promise.all(input.topics.map(async (topic) => ({
    name: topic.name,
    partitions: await Promise.all(topic.partitions.map(async (p) => {
      if (status !== GroupError.none) return { partition: p.partition, errorCode: status };
      const metadata = p.metadata ?? "";
      if (Buffer.byteLength(metadata) > settings.offsetMetadataBytesMax) {
        return { partition: p.partition, errorCode: GroupError.offsetMetadataTooLarge };
      }
      try {
        await store.commit(input.groupId, topic.name, p.partition, { offset: p.offset, leaderEpoch: p.leaderEpoch, metadata });
        return { partition: p.partition, errorCode: GroupError.none };
      } catch (err) {
        logger.error(`group ${input.groupId}: committing offset ${p.offset} of ${topic.name}/${p.partition} failed (${(err as Error).message}); the client will retry, check the data directory's disk`);
        return { partition: p.partition, errorCode: unknownServerError };
      }
    })),
  })));
  return { errorCode: status, topics };
}

interface ListableStore extends GroupOffsetStore {
  /** Every committed offset of a group, when the store can list them. */
  list?(group: string): Iterable<{ topic: string; partition: number }>;
}

function fetchOne(store: GroupOffsetStore, group: string, topic: string, partition: number): OffsetFetchPartition {
  const found = store.fetch(group, topic, partition);
  if (!found) return { partition, offset: -1, leaderEpoch: -1, metadata: "", errorCode: GroupError.none };
  return { partition, offset: found.offset, leaderEpoch: found.leaderEpoch, metadata: found.metadata, errorCode: GroupError.none };
}

export function fetchOffsets(store: ListableStore, groupId: string, topics: OffsetFetchTopicsInput): OffsetFetchOutput {
  if (topics) {
    return {
      errorCode: GroupError.none,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => fetchOne(store, groupId, t.name, p)) })),
    };
  }
  const byTopic = new Map<string, OffsetFetchPartition[]>();
  for (const { topic, partition } of store.list?.(groupId) ?? []) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(fetchOne(store, groupId, topic, partition));
  }
  return { errorCode: GroupError.none, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
