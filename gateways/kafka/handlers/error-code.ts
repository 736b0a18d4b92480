// Turns an error thrown by the log or the wasm core into the Kafka error code a client gets.
// Both raise typed errors carrying `kafkaErrorCode`; anything else is a ledge bug, logged once
// per occurrence and answered with UNKNOWN_SERVER_ERROR so the client can surface it.
import type { Logger } from "../../../runtime/logger.ts";
import { ErrorCode } from "../../../runtime/kafka/errors.ts";

export interface CodedError {
  code: number;
  message: string;
}

export function kafkaCodeOf(err: unknown, logger: Logger, what: string): CodedError {
  const code = (err as { kafkaErrorCode?: unknown })?.kafkaErrorCode;
  if (typeof code === "number") return { code, message: (err as Error).message };
  logger.error(`${what} failed unexpectedly (a ledge bug; please report it): ${(err as Error)?.stack ?? String(err)}`);
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: "internal error in ledge" };
}
