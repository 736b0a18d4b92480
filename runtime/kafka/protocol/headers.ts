// Request and response headers (kafka-protocol.md section 0).
//   Request Header v1 => request_api_key request_api_version correlation_id client_id
//   Request Header v2 => v1 + TAG_BUFFER                  (flexible request versions)
//   Response Header v0 => correlation_id
//   Response Header v1 => correlation_id TAG_BUFFER         (flexible response versions)
// Exception: the ApiVersions response always uses header v0, even for flexible v3+ bodies,
// so a client that does not yet know our versions can read it.
import { Reader } from "./reader.ts";
import { Writer } from "./writer.ts";
import { nullableString, taggedFields } from "./types.ts";

export const apiVersionsKey = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/** Reads header v1 (and the v2 tag buffer when `flexible`), leaving `r` at the body. */
export function readRequestHeader(r: Reader, flexible: boolean): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = nullableString.read(r);
  if (flexible) taggedFields.read(r);
  return { apiKey, apiVersion, correlationId, clientId };
}

/** The first 8 bytes of any request, readable before knowing whether it is flexible. */
export function peekRequestKey(body: Uint8Array): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (body.length < 8) return null;
  const v = new DataView(body.buffer, body.byteOffset, 8);
  return { apiKey: v.getInt16(0), apiVersion: v.getInt16(2), correlationId: v.getInt32(4) };
}

export function writeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  nullableString.write(w, h.clientId);
  if (flexible) taggedFields.write(w, undefined);
}

/** Whether a response to (apiKey, flexible body) carries header v1. */
export function responseHeaderFlexible(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== apiVersionsKey;
}

export function writeResponseHeader(w: Writer, correlationId: number, apiKey: number, flexible: boolean): void {
  w.int32(correlationId);
  if (responseHeaderFlexible(apiKey, flexible)) taggedFields.write(w, undefined);
}

export function readResponseHeader(r: Reader, apiKey: number, flexible: boolean): { correlationId: number } {
  const correlationId = r.int32();
  if (responseHeaderFlexible(apiKey, flexible)) taggedFields.read(r);
  return { correlationId };
}
