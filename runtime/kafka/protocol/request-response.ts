// Whole messages: header + body for requests and responses, used by the listener (decode
// requests, encode responses) and by the bridge (encode requests, decode responses).
import { Reader, KafkaCodecError } from "./reader.ts";
import { Writer } from "./writer.ts";
import { readRequestHeader, writeRequestHeader, writeResponseHeader, readResponseHeader, type RequestHeader } from "./headers.ts";
import { isFlexible, apiName } from "../apis/index.ts";
import { messageVersion } from "../apis/codecs.ts";
import type { MessageVersion } from "../apis/schemas.ts";

function schemas(apiKey: number, version: number): MessageVersion {
  const m = messageVersion(apiKey, version);
  if (!m) throw new KafkaCodecError(`no codec for ${apiName(apiKey)} v${version}`);
  return m;
}

export interface DecodedRequest<T = unknown> {
  header: RequestHeader;
  body: T;
}

/** Decodes one request frame payload (after the size). Throws KafkaCodecError if it does not parse. */
export function decodeRequest<T = unknown>(payload: Uint8Array): DecodedRequest<T> {
  const peek = new Reader(payload);
  const apiKey = peek.int16();
  const apiVersion = peek.int16();
  const flexible = isFlexible(apiKey, apiVersion);
  const r = new Reader(payload);
  const header = readRequestHeader(r, flexible);
  const body = schemas(apiKey, apiVersion).request.read(r) as T;
  return { header, body };
}

/** Encodes a request payload (without the size prefix). */
export function encodeRequest(header: RequestHeader, body: unknown): Writer {
  const w = new Writer();
  const flexible = isFlexible(header.apiKey, header.apiVersion);
  writeRequestHeader(w, header, flexible);
  schemas(header.apiKey, header.apiVersion).request.write(w, body);
  return w;
}

/** Encodes a response payload (without the size prefix). */
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown): Writer {
  const w = new Writer();
  writeResponseHeader(w, correlationId, apiKey, isFlexible(apiKey, version));
  schemas(apiKey, version).response.write(w, body);
  return w;
}

export function decodeResponse<T = unknown>(apiKey: number, version: number, payload: Uint8Array): { correlationId: number; body: T } {
  const r = new Reader(payload);
  const { correlationId } = readResponseHeader(r, apiKey, isFlexible(apiKey, version));
  const body = schemas(apiKey, version).response.read(r) as T;
  return { correlationId, body };
}

/** A size-prefixed frame of `w`'s bytes, as chunks for a vectored socket write. */
export function framed(w: Writer): Uint8Array[] {
  const chunks = w.chunks();
  const size = new Uint8Array(4);
  new DataView(size.buffer).setInt32(0, w.length);
  return [size, ...chunks];
}
