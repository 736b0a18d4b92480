// DescribeTransactions (key 65, KIP-664): the coordinator's view of named transactional ids,
// for admin tools (kafka-transactions.sh describe). Flexible from its first version.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";

export interface DescribeTransactionsRequest {
  transactionalIds: string[];
}

export interface DescribeTransactionsResponse {
  throttleTimeMs: number;
  transactionStates: {
    errorCode: number;
    transactionalId: string;
    /** Kafka's state name, e.g. Empty, Ongoing, PrepareCommit, CompleteAbort (admin TransactionState). */
    transactionState: string;
    transactionTimeoutMs: number;
    transactionStartTimeMs: number;
    producerId: number;
    producerEpoch: number;
    /** Partitions in the transaction (Kafka's Topic/Partitions, named as elsewhere in ledge). */
    topics: { name: string; partitionIndexes: number[] }[];
  }[];
}

export const describeTransactionsVersions: SchemasByVersion = { 0: v0 };
