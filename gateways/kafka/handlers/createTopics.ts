// CreateTopics (key 19), v0-v4. One broker: replication factor must be 1 or -1 (default),
// manual assignments may only name broker 0. validate_only checks without creating. With ACLs,
// a topic needs CREATE on the cluster or on itself, else TOPIC_AUTHORIZATION_FAILED (as Kafka).
import type { CreateTopicsRequest, CreateTopicsResponse } from "../../../runtime/kafka/apis/createTopics/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { topicNameProblem } from "../../../runtime/kafka/topic-name.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { ledgeNodeId } from "./metadata.ts";
import { authorized, authorizedOnCluster } from "../authz/check.ts";

type TopicRequest = CreateTopicsRequest["topics"][number];

function precheck(t: TopicRequest, seen: Set<string>): { code: number; message: string } | null {
  const nameProblem = topicNameProblem(t.name);
  if (nameProblem) return { code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: `topic name ${JSON.stringify(t.name)} ${nameProblem}` };
  if (seen.has(t.name)) return { code: ErrorCode.INVALID_REQUEST, message: `topic ${t.name} appears twice in one request` };
  if (t.replicationFactor !== -1 && t.replicationFactor !== 1) {
    return { code: ErrorCode.INVALID_REPLICATION_FACTOR, message: `replication factor ${t.replicationFactor}: ledge is one broker, use 1` };
  }
  if (t.assignments.some((a) => a.brokerIds.some((b) => b !== ledgeNodeId))) {
    return { code: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `assignments may only name broker ${ledgeNodeId}` };
  }
  if (t.assignments.length === 0 && t.numPartitions !== -1 && t.numPartitions < 1) {
    return { code: ErrorCode.INVALID_PARTITIONS, message: `partition count ${t.numPartitions} is below 1` };
  }
  return null;
}

async function createOne(ctx: RequestContext<CreateTopicsRequest>, t: TopicRequest, seen: Set<string>) {
  const bad = precheck(t, seen);
  seen.add(t.name);
  if (bad) return { name: t.name, errorCode: bad.code, errorMessage: bad.message };
  if (!authorizedOnCluster(ctx, "CREATE") && !authorized(ctx, "topic", t.name, "CREATE")) {
    return { name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: `not authorized to create topic ${t.name} (needs CREATE on the cluster or the topic)` };
  }
  const partitions = t.assignments.length > 0 ? t.assignments.length : t.numPartitions === -1 ? ctx.parts.config.log.partitionCountDefault : t.numPartitions;
  const config: Record<string, string> = {};
  for (const c of t.configs) if (c.value !== null) config[c.name] = c.value;
  try {
    const existing = await ctx.parts.log.describeTopic(t.name);
    if (existing) return { name: t.name, errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, errorMessage: `topic ${t.name} already exists` };
    if (ctx.body.validateOnly) return { name: t.name, errorCode: 0, errorMessage: null };
    await ctx.parts.log.createTopic(t.name, partitions, config);
    ctx.parts.logger.info(`created topic ${t.name} with ${partitions} partition(s) for ${ctx.connection.remoteAddress}`);
    return { name: t.name, errorCode: 0, errorMessage: null };
  } catch (err) {
    const { code, message } = kafkaCodeOf(err, ctx.parts.logger, `CreateTopics ${t.name}`);
    return { name: t.name, errorCode: code, errorMessage: message };
  }
}

export const createTopicsHandler: KafkaHandler = async (ctx: RequestContext<CreateTopicsRequest>) => {
  const seen = new Set<string>();
  const topics = [];
  // In order: a duplicate name in one request is an error on the second occurrence.
  for (const t of ctx.body.topics) topics.push(await createOne(ctx, t, seen));
  const response: CreateTopicsResponse = { throttleTimeMs: 0, topics };
  return respond(response);
};
