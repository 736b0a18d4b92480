// EndTxn Request (Version: 0) => transactional_id producer_id producer_epoch committed
// EndTxn Response (Version: 0) => throttle_time_ms error_code
import { boolean, int16, int32, int64, string, struct } from "../../protocol/types.ts";

export const request = struct({ transactionalId: string, producerId: int64, producerEpoch: int16, committed: boolean });
export const response = struct({ throttleTimeMs: int32, errorCode: int16 });
