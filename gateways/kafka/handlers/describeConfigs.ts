// DescribeConfigs (key 32), v0-v3: topic configs as the log holds them (defaults filled in),
// and a few broker facts a client may look up (message.max.bytes for the bridge's peers).
// With ACLs (as Kafka): DESCRIBE_CONFIGS on the topic (else TOPIC_AUTHORIZATION_FAILED) or on
// the cluster for the broker (else CLUSTER_AUTHORIZATION_FAILED); ALTER_CONFIGS implies it.
import type { DescribeConfigsRequest, DescribeConfigsResponse, DescribeConfigsEntry } from "../../../runtime/kafka/apis/describeConfigs/index.ts";
import { ResourceType, ConfigSource } from "../../../runtime/kafka/apis/describeConfigs/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized, authorizedOnCluster } from "../authz/check.ts";

const stringType = 2; // config_type STRING (v3)

function entry(name: string, value: string, source: number): DescribeConfigsEntry {
  return { name, value, readOnly: source !== ConfigSource.topicConfig, isDefault: source === ConfigSource.defaultConfig, configSource: source, isSensitive: false, synonyms: [], configType: stringType, documentation: null };
}

function brokerConfig(ctx: RequestContext): Record<string, string> {
  const { config, listener } = ctx.parts;
  return {
    "auto.create.topics.enable": String(config.log.autoCreateTopics),
    "num.partitions": String(config.log.partitionCountDefault),
    "socket.request.max.bytes": String(listener.maxRequestBytes),
  };
}

async function describeResource(ctx: RequestContext<DescribeConfigsRequest>, r: DescribeConfigsRequest["resources"][number]) {
  const result = { errorCode: 0, errorMessage: null as string | null, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] as DescribeConfigsEntry[] };
  let values: Record<string, string>;
  let source: number;
  if (r.resourceType === ResourceType.topic) {
    if (!authorized(ctx, "topic", r.resourceName, "DESCRIBE_CONFIGS")) return { ...result, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `not authorized to describe the configs of topic ${r.resourceName}` };
    try {
      const d = await ctx.parts.log.describeTopic(r.resourceName);
      if (!d) return { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `no topic ${r.resourceName}` };
      values = d.config;
      source = ConfigSource.topicConfig;
    } catch (err) {
      const { code, message } = kafkaCodeOf(err, ctx.parts.logger, `DescribeConfigs ${r.resourceName}`);
      return { ...result, errorCode: code, errorMessage: message };
    }
  } else if (r.resourceType === ResourceType.broker) {
    if (!authorizedOnCluster(ctx, "DESCRIBE_CONFIGS")) return { ...result, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "not authorized to describe the broker's configs" };
    values = brokerConfig(ctx);
    source = ConfigSource.staticBrokerConfig;
  } else {
    return { ...result, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `resource type ${r.resourceType} is not described by ledge (topics 2, brokers 4)` };
  }
  const keys = r.configurationKeys ?? Object.keys(values).sort();
  for (const k of keys) if (k in values) result.configs.push(entry(k, values[k], source));
  return result;
}

export const describeConfigsHandler: KafkaHandler = async (ctx: RequestContext<DescribeConfigsRequest>) => {
  const results = await Promise.all(ctx.body.resources.map((r) => describeResource(ctx, r)));
  const response: DescribeConfigsResponse = { throttleTimeMs: 0, results };
  return respond(response);
};
