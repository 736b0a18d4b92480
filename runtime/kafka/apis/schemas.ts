// What every API version file exports: the request and response body schemas.
import type { Struct } from "../protocol/types.ts";

export interface MessageVersion {
  request: Struct;
  response: Struct;
}

/**
 * One API's schemas by version number (what `apis/<api>/index.ts` exports); `apis/index.ts`
 * holds which versions ledge advertises.
 */
export type SchemasByVersion = Readonly<Record<number, MessageVersion>>;
