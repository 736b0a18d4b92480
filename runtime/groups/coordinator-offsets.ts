// OffsetCommit and OffsetFetch on top of the log's durable group store. The coordinator has
// already decided whether the committing member may commit (its generation and state).
import { ErrorCode } from "../kafka/errors.ts";
import type { Logger } from "../logger.ts";
import type { GroupCoordinatorSettings } from "./coordinator-settings.ts";
import type {
  GroupOffsetStore, OffsetCommitInput, OffsetCommitOutput, OffsetFetchOutput, OffsetFetchPartition,
} from "./coordinator-types.ts";

/** Topics and partitions to fetch, or null for every partition the group has committed. */
export type OffsetFetchTopicsInput = { name: string; partitions: number[] }[] | null;

type PartitionOffset = { topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string };

/** One durable write for the whole request when the store can batch (runtime/groups/offsets.ts can). */
function storeAll(store: GroupOffsetStore, group: string, offsets: PartitionOffset[]): Promise<unknown> {
  if (store.commitMany) return store.commitMany(group, offsets);
  return Promise.all(offsets.map((o) => store.commit(group, o.topic, o.partition, { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata: o.metadata })));
}

export async function commitOffsets(
  store: GroupOffsetStore,
  settings: GroupCoordinatorSettings,
  logger: Logger,
  input: OffsetCommitInput,
  status: number,
): Promise<OffsetCommitOutput> {
  const toStore: PartitionOffset[] = [];
  const codes = input.topics.map((t) => t.partitions.map((p) => {
    if (status !== ErrorCode.NONE) return status;
    const metadata = p.metadata ?? "";
    if (Buffer.byteLength(metadata) > settings.offsetMetadataBytesMax) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    toStore.push({ topic: t.name, partition: p.partition, offset: p.offset, leaderEpoch: p.leaderEpoch, metadata });
    return ErrorCode.NONE;
  }));
  let storeFailed = false;
  if (toStore.length > 0) {
    try {
      await storeAll(store, input.groupId, toStore);
    } catch (err) {
      storeFailed = true;
      logger.error(`group ${input.groupId}: committing ${toStore.length} offsets failed (${(err as Error).message}); the client will retry, check the data directory's disk`);
    }
  }
  const topics = input.topics.map((t, i) => ({
    name: t.name,
    partitions: t.partitions.map((p, j) => ({
      partition: p.partition,
      errorCode: storeFailed && codes[i][j] === ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : codes[i][j],
    })),
  }));
  return { errorCode: status, topics };
}

function fetchOne(store: GroupOffsetStore, group: string, topic: string, partition: number): OffsetFetchPartition {
  const found = store.fetch(group, topic, partition);
  if (!found) return { partition, offset: -1, leaderEpoch: -1, metadata: "", errorCode: ErrorCode.NONE };
  return { partition, offset: found.offset, leaderEpoch: found.leaderEpoch, metadata: found.metadata, errorCode: ErrorCode.NONE };
}

export function fetchOffsets(store: GroupOffsetStore, groupId: string, topics: OffsetFetchTopicsInput): OffsetFetchOutput {
  if (topics) {
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => fetchOne(store, groupId, t.name, p)) })),
    };
  }
  const byTopic = new Map<string, OffsetFetchPartition[]>();
  for (const { topic, partition } of store.list?.(groupId) ?? []) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(fetchOne(store, groupId, topic, partition));
  }
  return { errorCode: ErrorCode.NONE, topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) };
}
