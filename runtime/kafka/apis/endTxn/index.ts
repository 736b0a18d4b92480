// EndTxn (key 26): a transactional producer commits or aborts its ongoing transaction.
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface EndTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  committed: boolean;
}

export interface EndTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export const endTxnVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
