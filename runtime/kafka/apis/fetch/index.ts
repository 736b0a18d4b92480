// Fetch (key 1): whole stored batches from an offset, with long polling.
import type { SchemasByVersion } from "../schemas.ts";
import type { RecordsValue } from "../../protocol/types.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";
import * as v6 from "./v6.ts";
import * as v7 from "./v7.ts";
import * as v8 from "./v8.ts";
import * as v9 from "./v9.ts";
import * as v10 from "./v10.ts";
import * as v11 from "./v11.ts";

export interface FetchRequestPartition {
  partition: number;
  currentLeaderEpoch?: number;
  fetchOffset: number;
  logStartOffset?: number;
  partitionMaxBytes: number;
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId?: number;
  sessionEpoch?: number;
  topics: { topic: string; partitions: FetchRequestPartition[] }[];
  forgottenTopicsData?: { topic: string; partitions: number[] }[];
  rackId?: string;
}

export interface FetchResponsePartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset?: number;
  abortedTransactions: { producerId: number; firstOffset: number }[] | null;
  preferredReadReplica?: number;
  records: RecordsValue;
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode?: number;
  sessionId?: number;
  responses: { topic: string; partitions: FetchResponsePartition[] }[];
}

export const fetchVersions: SchemasByVersion = { 4: v4, 5: v5, 6: v6, 7: v7, 8: v8, 9: v9, 10: v10, 11: v11 };
