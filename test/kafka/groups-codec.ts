// Shared checks for the group APIs' per-version codec tests (test/kafka/<api>.v<N>.test.ts):
// byte-exact round trips, kafkajs (an independent codec) encoding requests we must decode and
// decoding responses we encode, the grammar's bytes where kafkajs lacks a version, the
// reference codec built from Kafka's message definitions (./reference) both ways, and
// truncated bodies failing with KafkaCodecError (never a crash or a wrong value).
import { it, expect, describe } from "vitest";
import { createRequire } from "node:module";
import type { SchemasByVersion } from "../../runtime/kafka/apis/schemas.ts";
import type { Struct } from "../../runtime/kafka/protocol/types.ts";
import { Reader, KafkaCodecError } from "../../runtime/kafka/protocol/reader.ts";
import { Writer } from "../../runtime/kafka/protocol/writer.ts";
import { apiTable } from "../../runtime/kafka/apis/index.ts";
import { decodeBody, encodeBody } from "./reference/codec.ts";

const require = createRequire(import.meta.url);

export const bytes = (s: string) => new Uint8Array(Buffer.from(s));

/** Uint8Arrays become hex strings so values compare by content, whatever their class. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

export function encode(s: Struct, v: unknown): Buffer {
  const w = new Writer();
  s.write(w, v);
  return Buffer.from(w.toBytes());
}

/** Decodes a whole body: bytes left over mean the schema is wrong. */
export function decode(s: Struct, b: Uint8Array): Record<string, unknown> {
  const r = new Reader(b);
  const out = s.read(r);
  expect(r.remaining).toBe(0);
  return out;
}

export interface CodecCase {
  versions: SchemasByVersion;
  version: number;
  /** The request as ledge decodes it (exactly this version's fields). */
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  /** kafkajs's request encoder (path under kafkajs/src/protocol/requests, e.g. "joinGroup/v5") and its arguments. */
  kafkajsRequest?: { path: string; args: Record<string, unknown> };
  /** What kafkajs's response decoder must read from our response bytes (a subset). */
  kafkajsResponse?: { path: string; expected: Record<string, unknown> };
  /** The request written field by field as Kafka's grammar states it, where kafkajs lacks the version. */
  grammarRequest?: (w: Writer) => void;
}

export function codecSuite(name: string, c: CodecCase): void {
  const v = c.versions[c.version];
  describe(name, () => {
    it("request and response round-trip byte-exact", () => {
      for (const [schema, value] of [[v.request, c.request], [v.response, c.response]] as const) {
        const b = encode(schema, value);
        const back = decode(schema, b);
        expect(plain(back)).toEqual(plain(value));
        expect(encode(schema, back)).toEqual(b);
      }
    });

    it("matches Kafka's message definitions: reference bytes in, reference decoding out", () => {
      const apiKey = apiTable.find((row) => name.startsWith(`${row.name} `))!.apiKey;
      const kafkaRequest = encodeBody(apiKey, c.version, "request", c.request);
      expect(plain(decode(v.request, kafkaRequest))).toEqual(plain(c.request));
      expect(encode(v.request, c.request)).toEqual(Buffer.from(kafkaRequest));
      expect(plain(decodeBody(apiKey, c.version, "response", encode(v.response, c.response)))).toEqual(plain(c.response));
    });

    if (c.kafkajsRequest) {
      const { path, args } = c.kafkajsRequest;
      it(`decodes kafkajs's ${path} request and re-encodes it byte-exact`, async () => {
        const req = require(`kafkajs/src/protocol/requests/${path}/request`)(args);
        expect(req.apiVersion).toBe(c.version);
        const k = Buffer.from((await req.encode()).buffer);
        const ours = decode(v.request, k);
        expect(plain(ours)).toEqual(plain(c.request));
        expect(encode(v.request, ours)).toEqual(k);
      });
    }

    if (c.kafkajsResponse) {
      const { path, expected } = c.kafkajsResponse;
      it(`kafkajs's ${path} decoder reads our response`, async () => {
        const decoded = await require(`kafkajs/src/protocol/requests/${path}/response`).decode(encode(v.response, c.response));
        expect(plain(decoded)).toMatchObject(plain(expected) as object);
      });
    }

    if (c.grammarRequest) {
      it("request bytes follow Kafka's grammar field by field", () => {
        const w = new Writer();
        c.grammarRequest!(w);
        expect(encode(v.request, c.request)).toEqual(Buffer.from(w.toBytes()));
      });
    }

    it("every truncated request body fails with KafkaCodecError", () => {
      const b = encode(v.request, c.request);
      for (let n = 0; n < b.length; n++) {
        expect(() => v.request.read(new Reader(b.subarray(0, n))), `prefix of ${n} bytes`).toThrow(KafkaCodecError);
      }
    });
  });
}
