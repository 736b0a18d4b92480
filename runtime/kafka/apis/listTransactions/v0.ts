// ListTransactions Request (Version: 0) => [state_filters] [producer_id_filters] TAG_BUFFER
// ListTransactions Response (Version: 0) => throttle_time_ms error_code [unknown_state_filters]
//     [transaction_states] TAG_BUFFER
//   transaction_states => transactional_id producer_id transaction_state TAG_BUFFER
// (COMPACT_STRING, COMPACT_ARRAY throughout: flexible from v0.)
import { compactArray, compactString, int16, int32, int64, struct } from "../../protocol/types.ts";

export const request = struct({ stateFilters: compactArray(compactString), producerIdFilters: compactArray(int64) }, true);

export const transactionState = struct({ transactionalId: compactString, producerId: int64, transactionState: compactString }, true);
export const response = struct({
  throttleTimeMs: int32, errorCode: int16, unknownStateFilters: compactArray(compactString), transactionStates: compactArray(transactionState),
}, true);
