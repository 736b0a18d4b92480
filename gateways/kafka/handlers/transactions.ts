// The transaction APIs (KIP-98, KIP-664): AddPartitionsToTxn (24), AddOffsetsToTxn (25),
// EndTxn (26), TxnOffsetCommit (28), DescribeTransactions (65), ListTransactions (66). Each
// handler only maps the request onto runtime/transactions' coordinator and its answer back.
import type { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from "../../../runtime/kafka/apis/addPartitionsToTxn/index.ts";
import type { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from "../../../runtime/kafka/apis/addOffsetsToTxn/index.ts";
import type { EndTxnRequest, EndTxnResponse } from "../../../runtime/kafka/apis/endTxn/index.ts";
import type { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from "../../../runtime/kafka/apis/txnOffsetCommit/index.ts";
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from "../../../runtime/kafka/apis/describeTransactions/index.ts";
import type { ListTransactionsRequest, ListTransactionsResponse } from "../../../runtime/kafka/apis/listTransactions/index.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";
import type { TxnStateName } from "../../../runtime/transactions/coordinator.ts";
import { respond, type KafkaHandler, type RequestContext } from "../context.ts";

const states: readonly TxnStateName[] = ["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead"];

export const addPartitionsToTxnHandler: KafkaHandler = async (ctx: RequestContext<AddPartitionsToTxnRequest>) => {
  const b = ctx.body;
  const flat = b.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition })));
  const codes = ctx.parts.transactions
    ? await ctx.parts.transactions.addPartitions(b, flat)
    : flat.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
  let i = 0;
  const body: AddPartitionsToTxnResponse = {
    throttleTimeMs: 0,
    resultsByTopic: b.topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((partitionIndex) => ({ partitionIndex, partitionErrorCode: codes[i++] })) })),
  };
  return respond(body);
};

export const addOffsetsToTxnHandler: KafkaHandler = async (ctx: RequestContext<AddOffsetsToTxnRequest>) => {
  const errorCode = ctx.parts.transactions ? await ctx.parts.transactions.addOffsets(ctx.body, ctx.body.groupId) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const body: AddOffsetsToTxnResponse = { throttleTimeMs: 0, errorCode };
  return respond(body);
};

export const endTxnHandler: KafkaHandler = async (ctx: RequestContext<EndTxnRequest>) => {
  const errorCode = ctx.parts.transactions ? await ctx.parts.transactions.endTransaction(ctx.body, ctx.body.committed) : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const body: EndTxnResponse = { throttleTimeMs: 0, errorCode };
  return respond(body);
};

export const txnOffsetCommitHandler: KafkaHandler = async (ctx: RequestContext<TxnOffsetCommitRequest>) => {
  const b = ctx.body;
  const offsets = b.topics.flatMap((t) => t.partitions.map((p) => ({
    topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch ?? -1, metadata: p.committedMetadata ?? "",
  })));
  const metadataMax = ctx.parts.config.groups.offsetMetadataBytesMax;
  let errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (offsets.some((o) => Buffer.byteLength(o.metadata) > metadataMax)) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
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
      const r = coordinator?.describe(transactionalId);
      if (!r) {
        return {
          errorCode: coordinator ? ErrorCode.TRANSACTIONAL_ID_NOT_FOUND : ErrorCode.COORDINATOR_NOT_AVAILABLE, transactionalId,
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
  const found = coordinator?.list({ states: ctx.body.stateFilters, producerIds: ctx.body.producerIdFilters }) ?? [];
  const body: ListTransactionsResponse = {
    throttleTimeMs: 0,
    errorCode: coordinator ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE,
    unknownStateFilters,
    transactionStates: found.map((r) => ({ transactionalId: r.transactionalId, producerId: r.producerId, transactionState: r.state })),
  };
  return respond(body);
};
