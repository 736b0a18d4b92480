// Produce (key 0): record batches in, base offsets out.
import type { SchemasByVersion } from "../schemas.ts";
import type { RecordsValue } from "../../protocol/types.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";
import * as v4 from "./v4.ts";
import * as v5 from "./v5.ts";
import * as v6 from "./v6.ts";
import * as v7 from "./v7.ts";
import * as v8 from "./v8.ts";

export interface ProducePartitionData {
  index: number;
  records: RecordsValue;
}

export interface ProduceRequest {
  transactionalId?: string | null;
  acks: number;
  timeoutMs: number;
  topicData: { name: string; partitionData: ProducePartitionData[] }[];
}

export interface ProducePartitionResponse {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs?: number;
  logStartOffset?: number;
  /** v8+ (KIP-467), from upstream brokers. */
  recordErrors?: { batchIndex: number; batchIndexErrorMessage: string | null }[];
  errorMessage?: string | null;
}

export interface ProduceResponse {
  responses: { name: string; partitionResponses: ProducePartitionResponse[] }[];
  throttleTimeMs?: number;
}

/** The first version whose batches ledge accepts (magic 2). */
export const produceVersionMagic2Min = 3;
/** The first version allowed to carry zstd batches. */
export const produceVersionZstdMin = 7;

export const produceVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3, 4: v4, 5: v5, 6: v6, 7: v7, 8: v8 };
