// ListTransactions (key 66, KIP-664): the transactions a coordinator holds, filtered by state
// and producer id, for admin tools (kafka-transactions.sh list). Flexible from its first version.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";

export interface ListTransactionsRequest {
  /** Empty: every state. */
  stateFilters: string[];
  /** Empty: every producer id. */
  producerIdFilters: number[];
}

export interface ListTransactionsResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** The requested state filters the coordinator does not know. */
  unknownStateFilters: string[];
  transactionStates: { transactionalId: string; producerId: number; transactionState: string }[];
}

export const listTransactionsVersions: SchemasByVersion = { 0: v0 };
