// Metadata (key 3): one broker (ledge itself, at listeners.kafka.advertisedHost and
// advertisedPort, or the real port), every partition led by it. Unknown topics are created
// when log.autoCreateTopics is on and the request allows it (v4+ flag; always before v4).
import type { MetadataRequest, MetadataResponse, MetadataTopic } from "../../../runtime/kafka/apis/metadata/index.ts";
import type { TopicDescription } from "../../../runtime/log/types.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { topicNameProblem } from "../../../runtime/kafka/topic-name.ts";
import { respond, type GatewayParts, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";

export const ledgeNodeId = 0;
/** The cluster id when the listener was given none (in-process tests); `ledge start` gives the
 * data directory's (cluster-id.ts). */
export const ledgeClusterId = "ledge";

/** Where clients must connect: the advertised host and port (the real port when none is set). */
export function advertisedBroker(parts: GatewayParts): { nodeId: number; host: string; port: number } {
  return { nodeId: ledgeNodeId, host: parts.listener.advertisedHost, port: parts.listener.advertisedPort || parts.port() };
}

function topicEntry(d: TopicDescription): MetadataTopic {
  const partitions = [];
  for (let i = 0; i < d.partitions; i++) {
    partitions.push({
      errorCode: 0, partitionIndex: i, leaderId: ledgeNodeId, leaderEpoch: 0,
      replicaNodes: [ledgeNodeId], isrNodes: [ledgeNodeId], offlineReplicas: [],
    });
  }
  return { errorCode: 0, name: d.name, isInternal: false, partitions };
}

const missing = (name: string, errorCode: number): MetadataTopic => ({ errorCode, name, isInternal: false, partitions: [] });

async function allTopicNames(ctx: RequestContext): Promise<string[]> {
  const names: string[] = [];
  for (const t of await ctx.parts.log.listTopics()) names.push(t.name);
  return names;
}

async function describeOrCreate(ctx: RequestContext<MetadataRequest>, name: string, mayCreate: boolean): Promise<MetadataTopic> {
  if (topicNameProblem(name)) return missing(name, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const { log, config, logger } = ctx.parts;
  try {
    const d = await log.describeTopic(name);
    if (d) return topicEntry(d);
    if (!mayCreate) return missing(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await log.createTopic(name, config.log.partitionCountDefault);
    logger.info(`auto-created topic ${name} with ${config.log.partitionCountDefault} partition(s) for a Metadata request`);
    const created = await log.describeTopic(name);
    return created ? topicEntry(created) : missing(name, ErrorCode.LEADER_NOT_AVAILABLE);
  } catch (err) {
    const { code } = kafkaCodeOf(err, logger, `Metadata for topic ${name}`);
    // Another request created it first: describe what is there now.
    if (code === ErrorCode.TOPIC_ALREADY_EXISTS) {
      const d = await log.describeTopic(name);
      if (d) return topicEntry(d);
    }
    return missing(name, code);
  }
}

export const metadataHandler: KafkaHandler = async (ctx: RequestContext<MetadataRequest>) => {
  const { header, body, parts } = ctx;
  const v = header.apiVersion;
  const all = body.topics === null || (v === 0 && body.topics.length === 0);
  const names = all ? await allTopicNames(ctx) : body.topics!.map((t) => t.name);
  const mayCreate = parts.config.log.autoCreateTopics && !all && (v < 4 || body.allowAutoTopicCreation !== false);
  const topics = await Promise.all(names.map((n) => describeOrCreate(ctx, n, mayCreate)));
  const response: MetadataResponse = {
    throttleTimeMs: 0,
    brokers: [{ ...advertisedBroker(parts), rack: null }],
    clusterId: parts.clusterId ?? ledgeClusterId,
    controllerId: ledgeNodeId,
    topics,
  };
  return respond(response);
};
