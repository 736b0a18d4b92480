// Fetch Request (Version: 4) => replica_id max_wait_ms min_bytes max_bytes isolation_level [topics]
//   topics => topic [partitions]
//     partitions => partition fetch_offset partition_max_bytes
// Fetch Response (Version: 4) => throttle_time_ms [responses]
//   responses => topic [partitions]
//     partitions => partition_index error_code high_watermark last_stable_offset [aborted_transactions] records
//       aborted_transactions => producer_id first_offset
// v4 is the lowest version ledge serves: the first with RecordBatch v2 and isolation levels.
import { array, int16, int32, int64, int8, nullableArray, records, string, struct, withZero } from "../../protocol/types.ts";

export const requestPartition = struct({ partition: int32, fetchOffset: int64, partitionMaxBytes: int32 });
export const requestTopic = struct({ topic: string, partitions: array(requestPartition) });
export const abortedTransaction = struct({ producerId: int64, firstOffset: int64 });
export const responsePartition = struct({
  partitionIndex: int32, errorCode: int16, highWatermark: int64, lastStableOffset: withZero(int64, -1),
  abortedTransactions: nullableArray(abortedTransaction), records,
});
export const responseTopic = struct({ topic: string, partitions: array(responsePartition) });

export const request = struct({
  replicaId: withZero(int32, -1), maxWaitMs: int32, minBytes: int32, maxBytes: int32, isolationLevel: int8,
  topics: array(requestTopic),
});
export const response = struct({ throttleTimeMs: int32, responses: array(responseTopic) });
