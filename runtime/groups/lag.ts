// A group's lag per committed partition: the one rule both /metrics and /api/groups show.
import type { GroupOffsets } from "./offsets.ts";

export interface PartitionLag {
  topic: string;
  partition: number;
  offset: number;
  /** null when the partition no longer exists (its topic was deleted since the commit). */
  highWatermark: number | null;
  lag: number | null;
}

export function groupLag(
  offsets: Pick<GroupOffsets, "list">,
  group: string,
  highWatermarkOf: (topic: string, partition: number) => number | null,
): PartitionLag[] {
  return offsets.list(group).map((c) => {
    const highWatermark = highWatermarkOf(c.topic, c.partition);
    return { topic: c.topic, partition: c.partition, offset: c.offset, highWatermark, lag: highWatermark === null ? null : Math.max(0, highWatermark - c.offset) };
  });
}
