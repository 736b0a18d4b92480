// Consumer-group lag in /metrics, read at each scrape from the committed offsets and the log's
// high watermarks: ledge_group_lag{group,topic,partition}, and ledge_log_end_offset per
// partition beside it. Rebuilt each time, so deleted topics and groups leave no series.
import type { Metrics } from "../metrics/index.ts";
import type { GroupOffsets } from "./offsets.ts";
import { groupLag } from "./lag.ts";

export interface LagLog {
  listTopics(): Array<{ name: string; partitions: number }>;
  partitionState(topic: string, partition: number): { highWatermark: number };
}

export function watchGroupLag(metrics: Metrics, offsets: GroupOffsets, log: LagLog): void {
  const endOffset = metrics.gauge("ledge_log_end_offset", "Next offset to be written, per partition {topic, partition}");
  const lag = metrics.gauge("ledge_group_lag", "Records a consumer group has not yet committed, per {group, topic, partition}");
  metrics.beforeScrape(() => {
    endOffset.series.clear();
    lag.series.clear();
    const ends = new Map<string, number>();
    for (const t of log.listTopics()) {
      for (let partition = 0; partition < t.partitions; partition++) {
        const hwm = log.partitionState(t.name, partition).highWatermark;
        ends.set(`${t.name}/${partition}`, hwm);
        endOffset.with({ topic: t.name, partition: String(partition) }).set(hwm);
      }
    }
    for (const group of offsets.groups()) {
      for (const p of groupLag(offsets, group, (topic, partition) => ends.get(`${topic}/${partition}`) ?? null)) {
        if (p.lag !== null) lag.with({ group, topic: p.topic, partition: String(p.partition) }).set(p.lag);
      }
    }
  });
}
