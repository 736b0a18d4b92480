// The optional per-route payload check: is the payload the format the route promises?
import { unpack } from "msgpackr";
import type { PayloadCheck } from "./config.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A problem text for the client's reason string, or undefined when the payload passes. */
export function payloadProblem(check: PayloadCheck, payload: Buffer): string | undefined {
  try {
    if (check === "json") JSON.parse(utf8.decode(payload));
    else unpack(payload);
    return undefined;
  } catch (err) {
    return `the payload is not valid ${check} (${(err as Error).message.slice(0, 80)})`;
  }
}
