// The transaction APIs (KIP-98, KIP-664): AddPartitionsToTxn (24), AddOffsetsToTxn (25),
// EndTxn (26), TxnOffsetCommit (28), DescribeTransactions (65), ListTransactions (66). Each
// handler only maps the request onto runtime/transactions' coordinator and its answer back.
// With ACLs (as Kafka): every request naming a transactional id needs WRITE on it (else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED); AddPartitionsToTxn needs WRITE on each topic (else
// TOPIC_AUTHORIZATION_FAILED there and OPERATION_NOT_ATTEMPTED for the rest, nothing added);
// AddOffsetsToTxn and TxnOffsetCommit need READ on the group (else GROUP_AUTHORIZATION_FAILED)
// and TxnOffsetCommit READ on each topic; DescribeTransactions and ListTransactions show only
// ids the principal may DESCRIBE.
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "../../../runtime/kafka/apis/addPartitionsToTxn/index.ts";
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from "../../../runtime/kafka/apis/addOffsetsToTxn/index.ts";
import type { EndTxnRequest, EndTxnResponse } from "../../../runtime/kafka/apis/endTxn/index.ts";
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from "../../../runtime/kafka/apis/txnOffsetCommit/index.ts";
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from "../../../runtime/kafka/apis/describeTransactions/index.ts";
import type { ListTransactionsRequest, ListTransactionsResponse } from "../../../runtime/kafka/apis/listTransactions/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import type { TxnStateName } from "../../../runtime/transactions/coordinator.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";
import { authorized } from "../authz/check.ts";

const states: readonly TxnStateName[] = ["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead"];

/** The ACL answer per partition, or null when every partition may be added. */
function addPartitionsRefusal(ctx: RequestContext<AddPartitionsToTxnRequest>, flat: { topic: string }[]): number[] | null {
  if (!authorized(ctx, "transactional-id", ctx.body.transactionalId, "WRITE")) return flat.map(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const writable = flat.map((p) => authorized(ctx, "topic", p.topic, "WRITE"));
  if (writable.every(Boolean)) return null;
  return writable.map((w) => w ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED);
}

export const addPartitionsToTxnHandler: KafkaHandler = async (ctx: RequestContext<AddPartitionsToTxnRequest>) => {
  const b = ctx.body;
  const flat = b.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = addPartitionsRefusal(ctx, flat) ?? (ctx.parts.transactions
    ? await ctx.parts.transactions.addPartitions(b, flat)
    : flat.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE));
  let i = 0;
  const body: AddPartitionsToTxnResponse = {
    throttleTimeMs: 0,
    resultsByTopic: b.topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codes[i++] })) })),
  };
  return respond(body);
};

export const addOffsetsToTxnHandler: KafkaHandler = async (ctx: RequestContext<AddOffsetsToTxnRequest>) => {
  const errorCode = !authorized(ctx, "transactional-id", ctx.body.transactionalId, "WRITE") ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    : !authorized(ctx, "group", ctx.body.groupId, "READ") ? ErrorCode.GROUP_AUTHORIZATION_FAILED
    : ctx.parts.transactions ? await ctx.parts.transactions.addOffsets(ctx.body, ctx.body.groupId) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const body: AddOffsetsToTxnResponse = { throttleTimeMs: 0, errorCode };
  return respond(body);
};

export const endTxnHandler: KafkaHandler = async (ctx: RequestContext<EndTxnRequest>) => {
  const errorCode = !authorized(ctx, "transactional-id", ctx.body.transactionalId, "WRITE") ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    : ctx.parts.transactions ? await ctx.parts.transactions.endTransaction(ctx.body, ctx.body.committed) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const body: EndTxnResponse = { throttleTimeMs: 0, errorCode };
  return respond(body);
};

/** A topic without READ: its partitions get TOPIC_AUTHORIZATION_FAILED, the rest
 * OPERATION_NOT_ATTEMPTED, and nothing is committed (the request is one unit in a transaction). */
function txnOffsetTopicRefusal(ctx: RequestContext<TxnOffsetCommitRequest>): TxnOffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: ctx.body.topics.map((t) => {
      const errorCode = authorized(ctx, "topic", t.name, "READ") ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
      return { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) };
    }),
  };
}

export const txnOffsetCommitHandler: KafkaHandler = async (ctx: RequestContext<TxnOffsetCommitRequest>) => {
  const b = ctx.body;
  const offsets = b.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? "",
  })));
  const metadataMax = ctx.parts.config.groups.offsetMetadataBytesMax;
  let errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (!authorized(ctx, "transactional-id", b.transactionalId, "WRITE")) errorCode = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
  else if (!authorized(ctx, "group", b.groupId, "READ")) errorCode = ErrorCode.GROUP_AUTHORIZATION_FAILED;
  else if (b.topics.some((t) => !authorized(ctx, "topic", t.name, "READ"))) return respond(txnOffsetTopicRefusal(ctx));
  else if (offsets.some((o) => Buffer.byteLength(o.metadata) > metadataMax)) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
  else if (ctx.parts.transactions) {
    errorCode = await ctx.parts.transactions.commitOffsets(b, { groupId: b.groupId, generationId: b.generationId ?? -1, memberId: b.memberId ?? "" }, offsets);
  }
  const body: TxnOffsetCommitResponse = {
    throttleTimeMs: 0,
    topics: b.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  };
  return respond(body);
};

export const describeTransactionsHandler: KafkaHandler = async (ctx: RequestContext<DescribeTransactionsRequest>) => {
  const coordinator = ctx.parts.transactions;
  const body: DescribeTransactionsResponse = {
    throttleTimeMs: 0,
    transactionStates: ctx.body.transactionalIds.map((transactionalId) => {
      const r = authorized(ctx, "transactional-id", transactionalId, "DESCRIBE") ? coordinator?.describe(transactionalId) : null;
      if (!r) {
        return {
          errorCode: r === null ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : coordinator ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.COORDINATOR_NOT_AVAILABLE, transactionalId,
          transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
        };
      }
      const byTopic = new Map<string, number[]>();
      for (const [topic, partition] of r.partitions) (byTopic.get(topic) ?? byTopic.set(topic, []).get(topic)!).push(partition);
      return {
        errorCode: ErrorCode.NONE, transactionalId, transactionState: r.state, transactionTimeoutMs: r.timeoutMs,
        transactionStartTimeMs: r.startedMs, producerId: r.producerId, producerEpoch: r.producerEpoch,
        topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      };
    }),
  };
  return respond(body);
};

export const listTransactionsHandler: KafkaHandler = async (ctx: RequestContext<ListTransactionsRequest>) => {
  const coordinator = ctx.parts.transactions;
  const unknownStateFilters = ctx.body.stateFilters.filter((s) => !states.includes(s as TxnStateName));
  const found = (coordinator?.list({ states: ctx.body.stateFilters, producerIds: ctx.body.producerIdFilters }) ?? [])
    .filter((r) => authorized(ctx, "transactional-id", r.transactionalId, "DESCRIBE"));
  const body: ListTransactionsResponse = {
    throttleTimeMs: 0,
    errorCode: coordinator ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE,
    unknownStateFilters,
    transactionStates: found.map((r) => ({ transactionalId: r.transactionalId, producerId: r.producerId, transactionState: r.state })),
  };
  return respond(body);
};
