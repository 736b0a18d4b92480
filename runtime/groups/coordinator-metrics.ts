// What the group coordinator records for operators (exposed at /metrics by gateways/http).
import { Metrics, type Counter, type Gauge } from "../metrics/index.ts";

export interface GroupMetrics {
  groups: Gauge;
  members: Gauge;
  rebalances: Counter;
  expirations: Counter;
  refusals: Counter;
  committedOffsets: Counter;
}

export function groupMetrics(metrics: Metrics = new Metrics()): GroupMetrics {
  return {
    groups: metrics.gauge("ledge_groups", "Consumer groups held by the coordinator (with members or pending member ids)"),
    members: metrics.gauge("ledge_group_members", "Members across all consumer groups"),
    rebalances: metrics.counter("ledge_group_rebalances_total", "Join phases completed (each starts a new group generation)"),
    expirations: metrics.counter("ledge_group_member_expirations_total", "Members removed for missing their session or rebalance timeout"),
    refusals: metrics.counter("ledge_group_refusals_total", "Joins refused by groupCountMax or memberCountMax"),
    committedOffsets: metrics.counter("ledge_group_committed_offsets_total", "Partition offsets committed durably through OffsetCommit"),
  };
}
