// Metadata (key 3): one broker (ledge itself, at listeners.kafka.advertisedHost and
// advertisedPort, or the real port), every partition led by it. Unknown topics are created
// when log.autoCreateTopics is on and the request allows it (v4+ flag; always before v4), within
// log.autoCreateTopicCountPerRequestMax per request and log.autoCreateTopicCountPerMinuteMax
// overall (POLICY_VIOLATION and THROTTLING_QUOTA_EXCEEDED past them); the log's totals
// (log.topicCountMax, log.partitionCountMax) answer POLICY_VIOLATION.
// With ACLs (as Kafka): a request for all topics lists only those the principal may DESCRIBE;
// a named topic it may not DESCRIBE is answered TOPIC_AUTHORIZATION_FAILED whether or not it
// exists (so names do not leak), and an unknown one is created only with CREATE on the cluster
// or the topic (else TOPIC_AUTHORIZATION_FAILED).
import type { MetadataRequest, MetadataResponse, MetadataTopic } from "../../../runtime/kafka/apis/metadata/index.ts";
import type { TopicDescription } from "../../../runtime/log/types.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import { topicNameProblem } from "../../../runtime/kafka/topic-name.ts";
import { respond, type GatewayParts, type KafkaHandler, type RequestContext } from "../context.ts";
import { kafkaCodeOf } from "./error-code.ts";
import { authorized, authorizedOnCluster } from "../authz/check.ts";

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
  for (const t of await ctx.parts.log.listTopics()) if (authorized(ctx, "topic", t.name, "DESCRIBE")) names.push(t.name);
  return names;
}

/** What one request may still auto-create, and what it was refused (for its one log line). */
interface CreateShare {
  left: number;
  created: number;
  overRequest: number;
  overRate: number;
}

/** Names described (and created) per event-loop turn: a request naming 100,000 topics must not
 * hold the loop (other clients, /healthz) for the whole of it. */
const namesPerTurnMax = 64;

async function describeOrCreate(ctx: RequestContext<MetadataRequest>, name: string, mayCreate: boolean, share: CreateShare): Promise<MetadataTopic> {
  if (topicNameProblem(name)) return missing(name, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (!authorized(ctx, "topic", name, "DESCRIBE")) return missing(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const { log, config, logger } = ctx.parts;
  try {
    const d = await log.describeTopic(name);
    if (d) return topicEntry(d);
    if (!mayCreate) return missing(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (!authorizedOnCluster(ctx, "CREATE") && !authorized(ctx, "topic", name, "CREATE")) return missing(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (share.left <= 0) {
      share.overRequest++;
      return missing(name, ErrorCode.POLICY_VIOLATION);
    }
    if (ctx.parts.autoCreate && !ctx.parts.autoCreate.take()) {
      share.overRate++;
      return missing(name, ErrorCode.THROTTLING_QUOTA_EXCEEDED);
    }
    share.left--;
    await log.createTopic(name, config.log.partitionCountDefault);
    share.created++;
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

/** Describes (and creates) the named topics a bounded slice per event-loop turn, in order. */
async function describeAll(ctx: RequestContext<MetadataRequest>, names: string[], mayCreate: boolean): Promise<MetadataTopic[]> {
  const share: CreateShare = { left: ctx.parts.config.log.autoCreateTopicCountPerRequestMax, created: 0, overRequest: 0, overRate: 0 };
  const topics: MetadataTopic[] = [];
  for (let at = 0; at < names.length; at += namesPerTurnMax) {
    if (at > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    if (ctx.signal.aborted) break;
    const slice = names.slice(at, at + namesPerTurnMax);
    topics.push(...await Promise.all(slice.map((n) => describeOrCreate(ctx, n, mayCreate, share))));
  }
  logCreations(ctx, share);
  return topics;
}

function logCreations(ctx: RequestContext<MetadataRequest>, share: CreateShare): void {
  const { logger, config } = ctx.parts;
  const from = `a Metadata request from ${ctx.connection.remoteAddress}`;
  if (share.created > 0) logger.info(`auto-created ${share.created} topic(s) with ${config.log.partitionCountDefault} partition(s) for ${from}`);
  if (share.overRequest > 0) {
    logger.warn(`${from} named ${share.overRequest} more unknown topics than log.autoCreateTopicCountPerRequestMax (${config.log.autoCreateTopicCountPerRequestMax}); they were not created (POLICY_VIOLATION)`);
  }
  if (share.overRate > 0) {
    logger.warn(`${share.overRate} topic(s) for ${from} were not created: log.autoCreateTopicCountPerMinuteMax (${config.log.autoCreateTopicCountPerMinuteMax}) is spent (THROTTLING_QUOTA_EXCEEDED; the client retries)`);
  }
}

export const metadataHandler: KafkaHandler = async (ctx: RequestContext<MetadataRequest>) => {
  const { header, body, parts } = ctx;
  const v = header.apiVersion;
  const all = body.topics === null || (v === 0 && body.topics.length === 0);
  const names = all ? await allTopicNames(ctx) : body.topics!.map((t) => t.name);
  const mayCreate = parts.config.log.autoCreateTopics && !all && (v < 4 || body.allowAutoTopicCreation !== false);
  const topics = await describeAll(ctx, names, mayCreate);
  const response: MetadataResponse = {
    throttleTimeMs: 0,
    brokers: [{ ...advertisedBroker(parts), rack: null }],
    clusterId: parts.clusterId ?? ledgeClusterId,
    controllerId: ledgeNodeId,
    topics,
  };
  return respond(response);
};
