// Committed consumer-group offsets (Kafka OffsetCommit / OffsetFetch), durable in the log's
// LMDB environment. The group coordinator (coordinator*.ts) decides who may commit; this file
// only stores. Keys: group / topic / partition, URI-encoded so any group id is safe.
import { OFFSET_METADATA_BYTES_CEILING } from "../config/schema.ts";
import { LogError } from "../log/errors.ts";
import type { KeyValueStore, TopicChangeListener } from "../log/types.ts";


export interface CommittedOffset {
  offset: number;
  /** -1 when the client did not send one. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
}

export interface GroupPartitionOffset extends CommittedOffset {
  topic: string;
  partition: number;
}

/** What the offsets need of the log: a durable store, and word of deleted topics. */
export interface GroupOffsetsLog {
  openStore<V>(name: string): KeyValueStore<V>;
  onTopicChange(listener: TopicChangeListener): () => void;
}

/**
 * The committed offsets in the log's `group-offsets` store, forgetting a deleted topic's offsets
 * in every group before the log's deleteTopic resolves. The composition root (bin/) calls this;
 * the log knows nothing of groups.
 */
export function openGroupOffsets(log: GroupOffsetsLog): GroupOffsets {
  const offsets = new GroupOffsets(log.openStore<CommittedOffset>("group-offsets"));
  log.onTopicChange((change) => (change.kind === "deleted" ? offsets.deleteTopic(change.topic) : undefined));
  return offsets;
}

const groupPrefix = (group: string) => `${encodeURIComponent(group)}/`;
const offsetKey = (group: string, topic: string, partition: number) =>
  `${groupPrefix(group)}${encodeURIComponent(topic)}/${String(partition).padStart(6, "0")}`;

export class GroupOffsets {
  readonly #store: KeyValueStore<CommittedOffset>;

  constructor(store: KeyValueStore<CommittedOffset>) {
    this.#store = store;
  }

  /** Durable before it resolves. */
  commit(group: string, topic: string, partition: number, value: { offset: number; leaderEpoch: number; metadata: string | null }): Promise<void> {
    return this.commitMany(group, [{ topic, partition, ...value }]);
  }

  /** One OffsetCommit request: all partitions in one transaction. */
  async commitMany(group: string, offsets: Array<{ topic: string; partition: number; offset: number; leaderEpoch: number; metadata: string | null }>): Promise<void> {
    const now = Date.now();
    const entries = offsets.map((o) => {
      const metadata = o.metadata ?? "";
      // The coordinator applies groups.offsetMetadataBytesMax; this is the ceiling that config may name.
      if (Buffer.byteLength(metadata) > OFFSET_METADATA_BYTES_CEILING) {
        throw new LogError("LEDGE_ERR_OFFSET_METADATA_TOO_LARGE", `offset metadata for group '${group}' on ${o.topic}/${o.partition} is ${Buffer.byteLength(metadata)} bytes, over ${OFFSET_METADATA_BYTES_CEILING}`);
      }
      return { key: offsetKey(group, o.topic, o.partition), value: { offset: o.offset, leaderEpoch: o.leaderEpoch, metadata, commitTimestampMs: now } };
    });
    await this.#store.putMany(entries);
  }

  fetch(group: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#store.get(offsetKey(group, topic, partition));
  }

  /** Every committed offset of a group, in (topic, partition) order. */
  list(group: string): GroupPartitionOffset[] {
    const out: GroupPartitionOffset[] = [];
    const prefix = groupPrefix(group);
    for (const { key, value } of this.#store.range(prefix)) {
      const [topic, partition] = key.slice(prefix.length).split("/");
      out.push({ topic: decodeURIComponent(topic), partition: Number(partition), ...value });
    }
    return out;
  }

  /** Group ids with at least one committed offset. */
  groups(): string[] {
    const out = new Set<string>();
    for (const { key } of this.#store.range("")) out.add(decodeURIComponent(key.slice(0, key.indexOf("/"))));
    return [...out];
  }

  async deleteGroup(group: string): Promise<void> {
    const keys = [...this.#store.range(groupPrefix(group))].map(({ key }) => ({ key, value: undefined }));
    if (keys.length > 0) await this.#store.putMany(keys);
  }

  /** Forget a deleted topic's offsets in every group. */
  async deleteTopic(topic: string): Promise<void> {
    const needle = `/${encodeURIComponent(topic)}/`;
    const keys = [...this.#store.range("")].filter(({ key }) => key.includes(needle)).map(({ key }) => ({ key, value: undefined }));
    if (keys.length > 0) await this.#store.putMany(keys);
  }
}
