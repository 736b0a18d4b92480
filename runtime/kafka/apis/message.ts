// What every API version file exports: the request and response body schemas.
import type { Struct } from "../protocol/types.ts";

export interface MessageVersion {
  request: Struct;
  response: Struct;
}

/** An API's versions, by number; `apis/index.ts` holds which of them ledge advertises. */
export type ApiVersionsMap = Readonly<Record<number, MessageVersion>>;
