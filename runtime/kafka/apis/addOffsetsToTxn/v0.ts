// AddOffsetsToTxn Request (Version: 0) => transactional_id producer_id producer_epoch group_id
// AddOffsetsToTxn Response (Version: 0) => throttle_time_ms error_code
import { int16, int32, int64, string, struct } from "../../protocol/types.ts";

export const request = struct({ transactionalId: string, producerId: int64, producerEpoch: int16, groupId: string });
export const response = struct({ throttleTimeMs: int32, errorCode: int16 });
