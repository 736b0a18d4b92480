// InitProducerId Request (Version: 0) => transactional_id transaction_timeout_ms
// InitProducerId Response (Version: 0) => throttle_time_ms error_code producer_id producer_epoch
import { int16, int32, int64, nullableString, struct, withZero } from "../../protocol/types.ts";

export const request = struct({ transactionalId: nullableString, transactionTimeoutMs: int32 });
export const response = struct({ throttleTimeMs: int32, errorCode: int16, producerId: withZero(int64, -1), producerEpoch: withZero(int16, -1) });
