// FindCoordinator Request (Version: 0) => key
// FindCoordinator Response (Version: 0) => error_code node_id host port
import { int16, int32, string, struct } from "../../protocol/types.ts";

export const request = struct({ key: string });
export const response = struct({ errorCode: int16, nodeId: int32, host: string, port: int32 });
