// TxnOffsetCommit (key 28): a transactional producer stages a consumer group's offsets; they
// become visible to the group when its transaction commits (KIP-98), and vanish if it aborts.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface TxnOffsetCommitRequest {
  transactionalId: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  /** v3+ (KIP-447: fences zombie members); -1 when the producer does not know it. */
  generationId?: number;
  /** v3+. */
  memberId?: string;
  /** v3+. */
  groupInstanceId?: string | null;
  topics: {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      /** v2+; -1 when unknown. */
      committedLeaderEpoch?: number;
      committedMetadata: string | null;
    }[];
  }[];
}

export interface TxnOffsetCommitResponse {
  throttleTimeMs: number;
  topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[];
}

export const txnOffsetCommitVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
