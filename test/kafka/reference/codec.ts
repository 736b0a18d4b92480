// A test-only Kafka codec that shares nothing with ledge's: its byte reader and writer, its
// headers and its message shapes all come from this folder, the shapes from Kafka's own message
// definitions (messages.ts). Tests build requests and read ledge's responses with it, so a field
// ledge puts in the wrong place or gives the wrong type fails a test instead of round-tripping
// through the same mistake on both sides.
//
// Values use ledge's JS shapes (camelCase names, int64 as number, bytes and records as
// Uint8Array, null for a null string/bytes/array), so tests can compare them with ledge's.
import { kafkaMessages, type MessageFacts } from "./messages.ts";

export type FieldType = "int8" | "int16" | "int32" | "int64" | "bool" | "string" | "bytes" | "records" | "[]string" | "[]int32" | "[]int64" | "[]";

export interface Field {
  /** Kafka's name, e.g. GroupInstanceId. */
  kafkaName: string;
  /** The JS property name: Kafka's name in camelCase, or ledge's name where it differs. */
  name: string;
  type: FieldType;
  versions: string;
  nullableVersions: string | null;
  children: Field[];
}

export interface MessageSchema {
  apiKey: number;
  name: string;
  flexible: string;
  request: Field[];
  response: Field[];
}

/** Kafka names ledge spells differently, as "Api.KafkaName" or, for every API, "KafkaName"
 * (one place, so a test can list them). */
export const ledgeNames: Readonly<Record<string, string>> = {
  // OffsetCommit: Kafka renamed GenerationId when KIP-848 reused it for member epochs.
  GenerationIdOrMemberEpoch: "generationId",
  // AddPartitionsToTxn: Kafka 3.6 (KIP-890) batched v4+ and renamed the v0-3 fields.
  V3AndBelowTransactionalId: "transactionalId",
  V3AndBelowProducerId: "producerId",
  V3AndBelowProducerEpoch: "producerEpoch",
  V3AndBelowTopics: "topics",
  ResultsByTopicV3AndBelow: "resultsByTopic",
  "DescribeTransactions.Topic": "name",
  "DescribeTransactions.Partitions": "partitionIndexes",
  // DescribeAcls: a resource's type and name, as kafkajs and the ACL config call them.
  "DescribeAcls.Type": "resourceType",
  "DescribeAcls.Name": "resourceName",
};

function jsName(api: string, kafkaName: string): string {
  return ledgeNames[`${api}.${kafkaName}`] ?? ledgeNames[kafkaName] ?? kafkaName[0].toLowerCase() + kafkaName.slice(1);
}

/** Does the Kafka version spec (`N+`, `N-M`, `N`, `none`) include `version`? */
export function inVersions(spec: string | null, version: number): boolean {
  if (spec === null || spec === "none") return false;
  if (spec.endsWith("+")) return version >= Number(spec.slice(0, -1));
  const [a, b] = spec.split("-");
  return version >= Number(a) && version <= Number(b ?? a);
}

function parseFields(api: string, text: string): Field[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const base = Math.min(...lines.map((l) => l.length - l.trimStart().length));
  const root: Field[] = [];
  const stack: Array<{ depth: number; into: Field[] }> = [{ depth: -1, into: root }];
  for (const line of lines) {
    const depth = (line.length - line.trimStart().length - base) / 2;
    const [kafkaName, type, versions, nullWord, nullableVersions] = line.trim().split(/\s+/);
    if (nullWord !== undefined && nullWord !== "null") throw new Error(`bad fact line: ${line}`);
    const field: Field = { kafkaName, name: jsName(api, kafkaName), type: type as FieldType, versions, nullableVersions: nullableVersions ?? null, children: [] };
    while (stack[stack.length - 1].depth >= depth) stack.pop();
    stack[stack.length - 1].into.push(field);
    stack.push({ depth, into: field.children });
  }
  return root;
}

function parseMessage(m: MessageFacts): MessageSchema {
  return { apiKey: m.apiKey, name: m.name, flexible: m.flexible, request: parseFields(m.name, m.request), response: parseFields(m.name, m.response) };
}

export const schemas: ReadonlyMap<number, MessageSchema> = new Map(kafkaMessages.map((m) => [m.apiKey, parseMessage(m)]));

export function schemaOf(apiKey: number): MessageSchema {
  const s = schemas.get(apiKey);
  if (!s) throw new Error(`no Kafka facts for api key ${apiKey} in test/kafka/reference/messages.ts`);
  return s;
}

export function isFlexibleVersion(apiKey: number, version: number): boolean {
  return inVersions(schemaOf(apiKey).flexible, version);
}

// ---- bytes -------------------------------------------------------------------------------

class Out {
  #parts: number[] = [];
  #chunks: Uint8Array[] = [];
  #flush(): void {
    if (this.#parts.length) this.#chunks.push(Uint8Array.from(this.#parts));
    this.#parts = [];
  }
  int(v: number, bytes: 1 | 2 | 4): void {
    for (let i = bytes - 1; i >= 0; i--) this.#parts.push((v >> (8 * i)) & 0xff);
  }
  int64(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v));
    this.raw(b);
  }
  uvarint(v: number): void {
    while (v >= 0x80) {
      this.#parts.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.#parts.push(v);
  }
  raw(b: Uint8Array): void {
    this.#flush();
    this.#chunks.push(b);
  }
  bytes(): Uint8Array {
    this.#flush();
    const b = Buffer.concat(this.#chunks);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
}

class In {
  #view: DataView;
  pos = 0;
  constructor(readonly buf: Uint8Array) {
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  get left(): number {
    return this.buf.length - this.pos;
  }
  #take(n: number, what: string): number {
    if (n < 0 || n > this.left) throw new Error(`reference decoder: ${what} needs ${n} bytes, ${this.left} left at ${this.pos}`);
    const at = this.pos;
    this.pos += n;
    return at;
  }
  int8(): number { return this.#view.getInt8(this.#take(1, "int8")); }
  int16(): number { return this.#view.getInt16(this.#take(2, "int16")); }
  int32(): number { return this.#view.getInt32(this.#take(4, "int32")); }
  int64(): number { return Number(this.#view.getBigInt64(this.#take(8, "int64"))); }
  uvarint(): number {
    let v = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.buf[this.#take(1, "uvarint")];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    throw new Error("reference decoder: uvarint longer than 5 bytes");
  }
  raw(n: number): Uint8Array { const at = this.#take(n, "bytes"); return this.buf.subarray(at, at + n); }
}

// ---- fields ------------------------------------------------------------------------------

interface Ctx { version: number; flexible: boolean }

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/** A length (or count) prefix: int16/int32 classic, uvarint N+1 compact; -1 means null. */
function writeLength(o: Out, n: number, classicBytes: 2 | 4, c: Ctx): void {
  if (c.flexible) o.uvarint(n + 1);
  else o.int(n, classicBytes);
}
function readLength(i: In, classicBytes: 2 | 4, c: Ctx): number {
  if (c.flexible) return i.uvarint() - 1;
  return classicBytes === 2 ? i.int16() : i.int32();
}

function checkNull(f: Field, c: Ctx): void {
  if (!inVersions(f.nullableVersions, c.version)) throw new Error(`${f.kafkaName} is not nullable in v${c.version}`);
}

/** The element of a []string / []int32 / []int64 field, as a field of its own. */
function elementOf(f: Field): Field {
  return { ...f, type: f.type.slice(2) as FieldType, nullableVersions: null };
}

function writeValue(o: Out, f: Field, v: unknown, c: Ctx): void {
  switch (f.type) {
    case "int8": return o.int(v as number, 1);
    case "int16": return o.int(v as number, 2);
    case "int32": return o.int(v as number, 4);
    case "int64": return o.int64(v as number);
    case "bool": return o.int(v ? 1 : 0, 1);
    case "string": {
      if (v === null) return (checkNull(f, c), writeLength(o, -1, 2, c));
      const b = utf8.encode(v as string);
      writeLength(o, b.length, 2, c);
      return o.raw(b);
    }
    case "bytes": case "records": {
      if (v === null) return (checkNull(f, c), writeLength(o, -1, 4, c));
      const b = v as Uint8Array;
      writeLength(o, b.length, 4, c);
      return o.raw(b);
    }
    default: {
      if (v === null) return (checkNull(f, c), writeLength(o, -1, 4, c));
      const items = v as unknown[];
      writeLength(o, items.length, 4, c);
      const item = elementOf(f);
      for (const x of items) {
        if (f.type === "[]") writeFields(o, f.children, x as Record<string, unknown>, c);
        else writeValue(o, item, x, c);
      }
    }
  }
}

function readValue(i: In, f: Field, c: Ctx): unknown {
  switch (f.type) {
    case "int8": return i.int8();
    case "int16": return i.int16();
    case "int32": return i.int32();
    case "int64": return i.int64();
    case "bool": {
      const b = i.int8();
      if (b !== 0 && b !== 1) throw new Error(`reference decoder: ${f.kafkaName} bool byte ${b}`);
      return b === 1;
    }
    case "string": {
      const n = readLength(i, 2, c);
      if (n < 0) return (checkNull(f, c), null);
      return fromUtf8.decode(i.raw(n));
    }
    case "bytes": case "records": {
      const n = readLength(i, 4, c);
      if (n < 0) return (checkNull(f, c), null);
      return i.raw(n);
    }
    default: {
      const n = readLength(i, 4, c);
      if (n < 0) return (checkNull(f, c), null);
      if (n > i.left) throw new Error(`reference decoder: ${f.kafkaName} count ${n} exceeds the bytes left`);
      const item = elementOf(f);
      const out: unknown[] = [];
      for (let k = 0; k < n; k++) out.push(f.type === "[]" ? readFields(i, f.children, c) : readValue(i, item, c));
      return out;
    }
  }
}

/** Fields of `fields` present in `version`, in wire order. */
export function fieldsAt(fields: Field[], version: number): Field[] {
  return fields.filter((f) => inVersions(f.versions, version));
}

/** A missing property is written as the type's empty value (0, false, "", empty bytes, []). */
function emptyValue(f: Field): unknown {
  if (f.type.startsWith("int")) return 0;
  if (f.type === "bool") return false;
  if (f.type === "string") return "";
  if (f.type === "bytes" || f.type === "records") return new Uint8Array(0);
  return [];
}

function writeFields(o: Out, fields: Field[], v: Record<string, unknown>, c: Ctx): void {
  for (const f of fieldsAt(fields, c.version)) writeValue(o, f, v[f.name] === undefined ? emptyValue(f) : v[f.name], c);
  if (c.flexible) o.uvarint(0);
}

function skipTags(i: In): void {
  const count = i.uvarint();
  for (let k = 0; k < count; k++) {
    i.uvarint();
    i.raw(i.uvarint());
  }
}

function readFields(i: In, fields: Field[], c: Ctx): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsAt(fields, c.version)) out[f.name] = readValue(i, f, c);
  if (c.flexible) skipTags(i);
  return out;
}

// ---- bodies and whole messages -----------------------------------------------------------

export type Side = "request" | "response";

export function encodeBody(apiKey: number, version: number, side: Side, body: unknown): Uint8Array {
  const o = new Out();
  writeFields(o, schemaOf(apiKey)[side], (body ?? {}) as Record<string, unknown>, { version, flexible: isFlexibleVersion(apiKey, version) });
  return o.bytes();
}

/** Decodes a whole body; throws if bytes are left over. */
export function decodeBody<T = Record<string, unknown>>(apiKey: number, version: number, side: Side, bytes: Uint8Array): T {
  const i = new In(bytes);
  const body = readFields(i, schemaOf(apiKey)[side], { version, flexible: isFlexibleVersion(apiKey, version) });
  if (i.left !== 0) throw new Error(`reference decoder: ${i.left} bytes left after ${schemaOf(apiKey).name} v${version} ${side}`);
  return body as T;
}

export interface Header {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

const apiVersionsKey = 18;

const clientIdField: Field = { kafkaName: "ClientId", name: "clientId", type: "string", versions: "0+", nullableVersions: "0+", children: [] };

/** Request header v1, or v2 (with a tag buffer) for flexible versions. */
export function encodeRequestHeader(h: Header): Uint8Array {
  const o = new Out();
  o.int(h.apiKey, 2);
  o.int(h.apiVersion, 2);
  o.int(h.correlationId, 4);
  writeValue(o, clientIdField, h.clientId, { version: 0, flexible: false });
  if (isFlexibleVersion(h.apiKey, h.apiVersion)) o.uvarint(0);
  return o.bytes();
}

export function encodeRequest(h: Header, body: unknown): Uint8Array {
  return Buffer.concat([encodeRequestHeader(h), encodeBody(h.apiKey, h.apiVersion, "request", body)]);
}

export function decodeRequest<T = Record<string, unknown>>(payload: Uint8Array): { header: Header; body: T } {
  const i = new In(payload);
  const apiKey = i.int16();
  const apiVersion = i.int16();
  const correlationId = i.int32();
  const clientId = readValue(i, clientIdField, { version: 0, flexible: false }) as string | null;
  if (isFlexibleVersion(apiKey, apiVersion)) skipTags(i);
  return { header: { apiKey, apiVersion, correlationId, clientId }, body: decodeBody<T>(apiKey, apiVersion, "request", i.raw(i.left)) };
}

/** Response header v0, or v1 (with a tag buffer) for flexible versions except ApiVersions. */
function responseHeaderFlexible(apiKey: number, version: number): boolean {
  return apiKey !== apiVersionsKey && isFlexibleVersion(apiKey, version);
}

export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown): Uint8Array {
  const o = new Out();
  o.int(correlationId, 4);
  if (responseHeaderFlexible(apiKey, version)) o.uvarint(0);
  o.raw(encodeBody(apiKey, version, "response", body));
  return o.bytes();
}

export function decodeResponse<T = Record<string, unknown>>(apiKey: number, version: number, payload: Uint8Array): { correlationId: number; body: T } {
  const i = new In(payload);
  const correlationId = i.int32();
  if (responseHeaderFlexible(apiKey, version)) skipTags(i);
  return { correlationId, body: decodeBody<T>(apiKey, version, "response", i.raw(i.left)) };
}
