// DescribeTransactions Request (Version: 0) => [transactional_ids] TAG_BUFFER
// DescribeTransactions Response (Version: 0) => throttle_time_ms [transaction_states] TAG_BUFFER
//   transaction_states => error_code transactional_id transaction_state transaction_timeout_ms
//       transaction_start_time_ms producer_id producer_epoch [topics] TAG_BUFFER
//     topics => topic [partitions] TAG_BUFFER
// (COMPACT_STRING, COMPACT_ARRAY throughout: flexible from v0.)
import { compactArray, compactString, int16, int32, int64, struct } from "../../protocol/types.ts";

export const request = struct({ transactionalIds: compactArray(compactString) }, true);

export const topic = struct({ name: compactString, partitionIndexes: compactArray(int32) }, true);
export const transactionState = struct({
  errorCode: int16, transactionalId: compactString, transactionState: compactString, transactionTimeoutMs: int32,
  transactionStartTimeMs: int64, producerId: int64, producerEpoch: int16, topics: compactArray(topic),
}, true);
export const response = struct({ throttleTimeMs: int32, transactionStates: compactArray(transactionState) }, true);
