// kafkajs's own protocol encoders and decoders (an independent codec) driven over a raw socket:
// kafkajs builds the request body, ledge answers, kafkajs decodes the answer.
import { createRequire } from "node:module";
import { encodeRequestHeader } from "../reference/codec.ts";
import type { RawKafkaClient } from "./raw-client.ts";

const require = createRequire(import.meta.url);

/** Sends kafkajs's encoding of `api` v`version` with `args`; returns kafkajs's decoding of the
 * answer (`any`: kafkajs is untyped JavaScript). */
export async function viaKafkajs(c: RawKafkaClient, apiKey: number, api: string, version: number, args: unknown, correlationId = 7): Promise<any> {
  const request = require(`kafkajs/src/protocol/requests/${api}/v${version}/request`)(args);
  const body: Buffer = (await request.encode()).buffer;
  c.sendPayload(Buffer.concat([encodeRequestHeader({ apiKey, apiVersion: version, correlationId, clientId: "kafkajs-codec" }), body]));
  const payload = await c.next();
  if (!payload) throw new Error(`ledge closed the connection on kafkajs's ${api} v${version}`);
  const raw = Buffer.from(payload);
  if (raw.readInt32BE(0) !== correlationId) throw new Error("correlation id mismatch");
  const { decode } = require(`kafkajs/src/protocol/requests/${api}/v${version}/response`);
  return decode(raw.subarray(4));
}
