// AddPartitionsToTxn (key 24): a transactional producer names the partitions it is about to
// write to, before its first Produce to each in a transaction. v0-v3 are the client forms
// (v4+ is the brokers' batched form, KIP-890).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface AddPartitionsToTxnTopic {
  name: string;
  partitions: number[];
}

export interface AddPartitionsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  topics: AddPartitionsToTxnTopic[];
}

export interface AddPartitionsToTxnPartitionResult {
  partitionIndex: number;
  partitionErrorCode: number;
}

export interface AddPartitionsToTxnResponse {
  throttleTimeMs: number;
  resultsByTopic: { name: string; resultsByPartition: AddPartitionsToTxnPartitionResult[] }[];
}

export const addPartitionsToTxnVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
