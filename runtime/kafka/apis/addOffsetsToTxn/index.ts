// AddOffsetsToTxn (key 25): a transactional producer names the consumer group whose offsets it
// will commit in this transaction (the coordinator then adds the group's offsets partition).
import type { SchemasByVersion } from "../schemas.ts";
import * as v0 from "./v0.ts";
import * as v1 from "./v1.ts";
import * as v2 from "./v2.ts";
import * as v3 from "./v3.ts";

export interface AddOffsetsToTxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  groupId: string;
}

export interface AddOffsetsToTxnResponse {
  throttleTimeMs: number;
  errorCode: number;
}

export const addOffsetsToTxnVersions: SchemasByVersion = { 0: v0, 1: v1, 2: v2, 3: v3 };
