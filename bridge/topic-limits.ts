// What an upstream topic accepts: its max.message.bytes (DescribeConfigs), so a stored batch
// larger than that is split before it goes (regroupBatch) instead of being refused.
import { ApiKey } from "../runtime/kafka/apis/index.ts";
import type { DescribeConfigsResponse } from "../runtime/kafka/apis/describeConfigs/index.ts";
import type { UpstreamCluster } from "./cluster.ts";

/** Kafka's default max.message.bytes (1 MiB + the 12 bytes of a batch's length prefix). */
export const KAFKA_MESSAGE_BYTES_DEFAULT = 1_048_588;
const topicResource = 2;

/** max.message.bytes of each topic; Kafka's default where the upstream does not say. */
export async function upstreamMessageBytesMax(cluster: UpstreamCluster, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>(topics.map((t) => [t, KAFKA_MESSAGE_BYTES_DEFAULT]));
  if (topics.length === 0) return out;
  const c = await cluster.any();
  const v = c.version(ApiKey.DescribeConfigs, 0, 3);
  if (v === undefined) return out; // a broker without DescribeConfigs: assume Kafka's default
  const res = await c.request<DescribeConfigsResponse>(ApiKey.DescribeConfigs, v, {
    resources: topics.map((resourceName) => ({ resourceType: topicResource, resourceName, configurationKeys: ["max.message.bytes"] })),
    includeSynonyms: false, includeDocumentation: false,
  });
  for (const r of res.results) {
    const value = Number(r.configs.find((e) => e.name === "max.message.bytes")?.value);
    if (r.errorCode === 0 && Number.isSafeInteger(value) && value > 0) out.set(r.resourceName, value);
  }
  return out;
}
