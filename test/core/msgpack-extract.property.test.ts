// The wasm MessagePack extractor against msgpackr.unpack (what a JS client decodes) on generated
// documents that use every encoding (fixint, uint8-64, int8-64, float32/64, fixstr, str8-32,
// bin, ext, fixmap/map16/map32, fixarray/array16/array32, nil, booleans) and duplicate keys: every
// path's kind and value agree; every truncation is refused; mutated bytes never make it throw.
import fc from "fast-check";
import { addExtension, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { JsonDocStatus, JsonFieldExtractor, JsonKind, type JsonFields } from "../../runtime/core/json-extract.ts";
import { layOut } from "./json-fixtures.ts";

const PATHS = ["a", "b", "temp", "meta.a", "meta.b.x", "meta.temp", "é", "ts"];
const extractor = new JsonFieldExtractor(PATHS, { format: "msgpack" });
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** msgpackr hands ext types 1-3 to this (other types are its own, or unknown to it). */
class Ext {
  constructor(readonly data: Uint8Array) {}
}
for (const type of [1, 2, 3]) addExtension({ type, unpack: (data: Uint8Array) => new Ext(Uint8Array.from(data)) } as never);

function be(value: number | bigint, bytes: number, signed: boolean, float = false): number[] {
  const view = new DataView(new ArrayBuffer(bytes));
  if (float) (bytes === 4 ? view.setFloat32(0, Number(value)) : view.setFloat64(0, Number(value)));
  else if (bytes === 1) (signed ? view.setInt8(0, Number(value)) : view.setUint8(0, Number(value)));
  else if (bytes === 2) (signed ? view.setInt16(0, Number(value)) : view.setUint16(0, Number(value)));
  else if (bytes === 4) (signed ? view.setInt32(0, Number(value)) : view.setUint32(0, Number(value)));
  else (signed ? view.setBigInt64(0, BigInt(value)) : view.setBigUint64(0, BigInt(value)));
  return [...new Uint8Array(view.buffer)];
}

const number: fc.Arbitrary<number[]> = fc.oneof(
  fc.integer({ min: 0, max: 127 }).map((v) => [v]),
  fc.integer({ min: -32, max: -1 }).map((v) => [v & 0xff]),
  fc.integer({ min: 0, max: 255 }).map((v) => [0xcc, v]),
  fc.integer({ min: 0, max: 0xffff }).map((v) => [0xcd, ...be(v, 2, false)]),
  fc.integer({ min: 0, max: 0xffffffff }).map((v) => [0xce, ...be(v, 4, false)]),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => [0xcf, ...be(v, 8, false)]),
  fc.integer({ min: -128, max: 127 }).map((v) => [0xd0, ...be(v, 1, true)]),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((v) => [0xd1, ...be(v, 2, true)]),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v) => [0xd2, ...be(v, 4, true)]),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((v) => [0xd3, ...be(v, 8, true)]),
  fc.float().map((v) => [0xca, ...be(v, 4, false, true)]),
  fc.double().map((v) => [0xcb, ...be(v, 8, false, true)]),
);

/** A string's bytes in one of the encodings that can hold it. */
function sized(bytes: Uint8Array, choice: number, fix: number, fixMax: number, codes: [number, number, number]): number[] {
  const forms: number[][] = [];
  if (bytes.length <= fixMax && fix >= 0) forms.push([fix | bytes.length]);
  if (bytes.length < 0x100) forms.push([codes[0], bytes.length]);
  if (bytes.length < 0x10000) forms.push([codes[1], ...be(bytes.length, 2, false)]);
  forms.push([codes[2], ...be(bytes.length, 4, false)]);
  return [...forms[choice % forms.length], ...bytes];
}

const text = (s: fc.Arbitrary<string>) => fc.tuple(s, fc.nat()).map(([v, c]) => sized(utf8.encode(v), c, 0xa0, 31, [0xd9, 0xda, 0xdb]));
const key = text(fc.oneof(fc.constantFrom("a", "b", "temp", "meta", "x", "é", "ts"), fc.string({ maxLength: 4 })));
const scalar: fc.Arbitrary<number[]> = fc.oneof(
  number,
  text(fc.string({ maxLength: 40 })),
  fc.constantFrom(0xc0, 0xc2, 0xc3).map((b) => [b]),
  fc.tuple(fc.uint8Array({ maxLength: 20 }), fc.nat()).map(([b, c]) => sized(b, c, -1, 0, [0xc4, 0xc5, 0xc6])),
  fc.tuple(fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 20 }), fc.nat()).map(([type, data, c]) => {
    const fixed = [1, 2, 4, 8, 16].indexOf(data.length);
    if (fixed >= 0 && c % 2 === 0) return [0xd4 + fixed, type, ...data];
    const header = [[0xc7, data.length], [0xc8, ...be(data.length, 2, false)], [0xc9, ...be(data.length, 4, false)]][c % 3];
    return [...header, type, ...data];
  }),
);

function container(items: number[][], choice: number, fix: number, codes: [number, number], count: number): number[] {
  const forms = [[codes[0], ...be(count, 2, false)], [codes[1], ...be(count, 4, false)]];
  if (count < 16) forms.push([fix | count]);
  return [...forms[choice % forms.length], ...items.flat()];
}

const { value, map } = fc.letrec<{ value: number[]; map: number[] }>((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map"), fc.tuple(fc.array(tie("value"), { maxLength: 5 }), fc.nat()).map(([xs, c]) => container(xs, c, 0x90, [0xdc, 0xdd], xs.length))),
  map: fc.tuple(fc.array(fc.tuple(fc.oneof({ weight: 9, arbitrary: key }, { weight: 1, arbitrary: number }), tie("value")), { maxLength: 8 }), fc.nat())
    .map(([entries, c]) => container(entries.map(([k, v]) => [...k, ...v]), c, 0x80, [0xde, 0xdf], entries.length)),
}));
const document = fc.oneof({ weight: 9, arbitrary: map }, { weight: 1, arbitrary: value }).map((bytes) => Uint8Array.from(bytes));

type Kind = "missing" | "number" | "string" | "null" | "true" | "false" | "object" | "array" | "binary" | "extension";

function kindOf(v: unknown): Kind {
  if (v === undefined) return "missing";
  if (typeof v === "number" || typeof v === "bigint") return "number";
  if (typeof v === "string") return "string";
  if (v === null) return "null";
  if (v === true || v === false) return v ? "true" : "false";
  if (Array.isArray(v)) return "array";
  if (Buffer.isBuffer(v)) return "binary";
  if (v instanceof Ext) return "extension";
  return "object";
}

/** Whether msgpackr decoded only what the generator makes (mutations may reach its own ext types). */
function standard(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(standard);
  if (v !== null && typeof v === "object" && !Buffer.isBuffer(v) && !(v instanceof Ext)) {
    return Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every(standard);
  }
  return v !== undefined && typeof v !== "function";
}

function lookup(doc: unknown, segments: readonly string[]): unknown {
  let v: unknown = doc;
  for (const s of segments) {
    if (kindOf(v) !== "object" || !Object.hasOwn(v as object, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}

const kinds: Record<number, Kind> = {
  [JsonKind.missing]: "missing", [JsonKind.number]: "number", [JsonKind.string]: "string", [JsonKind.null]: "null",
  [JsonKind.true]: "true", [JsonKind.false]: "false", [JsonKind.object]: "object", [JsonKind.array]: "array",
  [JsonKind.binary]: "binary", [JsonKind.extension]: "extension",
};

/** The differences between one document's cells and msgpackr's decoding of it. */
function differences(fields: JsonFields, bytes: Uint8Array, d: number, decoded: unknown): string[] {
  const out: string[] = [];
  extractor.paths.forEach((segments, p) => {
    const at = p * fields.count + d;
    const want = lookup(decoded, segments);
    const got = kinds[fields.kind[at]];
    const span = bytes.subarray(fields.position[at], fields.position[at] + fields.length[at]);
    if (got !== kindOf(want)) out.push(`${segments.join(".")}: kind ${got}, msgpackr ${kindOf(want)}`);
    else if (got === "number" && !Object.is(fields.number[at], Number(want))) out.push(`${segments.join(".")}: ${fields.number[at]}, msgpackr ${want}`);
    else if (got === "number" && !Object.is(Number(unpack(Buffer.from(span))), Number(want))) out.push(`${segments.join(".")}: its span does not decode to it`);
    else if (got === "string" && utf8Decoder.decode(span) !== want) out.push(`${segments.join(".")}: ${utf8Decoder.decode(span)}, msgpackr ${String(want)}`);
    else if (got === "binary" && !Buffer.from(span).equals(want as Buffer)) out.push(`${segments.join(".")}: bin bytes differ`);
    else if (got === "extension" && !Buffer.from(span).equals(Buffer.from((want as Ext).data))) out.push(`${segments.join(".")}: ext bytes differ`);
    else if ((got === "object" || got === "array") && !isDeepEqual(unpack(Buffer.from(span)), want)) out.push(`${segments.join(".")}: its span decodes to something else`);
  });
  return out;
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}

function extract(documents: Uint8Array[]): { fields: JsonFields; bytes: Uint8Array; positions: Int32Array } {
  const { bytes, positions, lengths } = layOut(documents);
  return { fields: extractor.extract(bytes, positions, lengths), bytes, positions };
}

function decode(doc: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: unpack(Buffer.from(doc)) };
  } catch {
    return { ok: false };
  }
}

const msgpackStatuses = new Set<number>([JsonDocStatus.ok, JsonDocStatus.msgpackTruncated, JsonDocStatus.msgpackNeverUsed, JsonDocStatus.msgpackKey, JsonDocStatus.trailing, JsonDocStatus.tooDeep]);

describe("MessagePack extraction equals msgpackr.unpack", () => {
  it("on generated documents of every encoding, with duplicate keys: same kinds, numbers, strings, bin, ext, spans", () => {
    const seen = new Map<Kind, number>();
    fc.assert(fc.property(fc.array(document, { minLength: 1, maxLength: 20 }), (documents) => {
      const { fields, bytes } = extract(documents);
      documents.forEach((doc, d) => {
        const decoded = unpack(Buffer.from(doc));
        expect(fields.docStatus[d], `document ${Buffer.from(doc).toString("hex")}`).toBe(JsonDocStatus.ok);
        for (const segments of extractor.paths) seen.set(kindOf(lookup(decoded, segments)), (seen.get(kindOf(lookup(decoded, segments))) ?? 0) + 1);
        expect(differences(fields, bytes, d, decoded), Buffer.from(doc).toString("hex")).toEqual([]);
      });
    }), { numRuns: 120, seed: 13 });
    for (const kind of ["missing", "number", "string", "object", "array", "binary", "extension", "null"] as const) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(20);
  });

  it("refuses every truncation of a valid document as truncated, as msgpackr does", () => {
    fc.assert(fc.property(document.filter((d) => d.length > 1), fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), (doc, cuts) => {
      const prefixes = cuts.map((c) => doc.subarray(0, c % doc.length));
      const { fields } = extract(prefixes);
      prefixes.forEach((prefix, i) => {
        expect(decode(prefix).ok).toBe(false);
        expect(fields.docStatus[i], `prefix ${Buffer.from(prefix).toString("hex")}`).toBe(JsonDocStatus.msgpackTruncated);
      });
    }), { numRuns: 150, seed: 17 });
  });

  it("on mutated documents: a MessagePack status each, never a throw, and msgpackr's values when both read it", () => {
    let compared = 0;
    fc.assert(fc.property(document, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 4 }), (doc, edits) => {
      const bytes = [...doc];
      for (const [at, byte, op] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (op === 0) bytes[i] = byte;
        else if (op === 1) bytes.splice(i, 0, byte);
        else bytes.splice(i, 1);
      }
      const mutated = Uint8Array.from(bytes);
      const { fields, bytes: all } = extract([mutated]);
      expect(msgpackStatuses.has(fields.docStatus[0])).toBe(true);
      const theirs = decode(mutated);
      // msgpackr also reads its own record definitions (ext 0x72) and returns C1 for 0xc1: not compared.
      const recordDefinition = bytes.some((b, i) => (b === 0xd4 || b === 0xd5) && bytes[i + 1] === 0x72);
      if (!theirs.ok || !standard(theirs.value) || recordDefinition) return;
      if (fields.docStatus[0] === JsonDocStatus.msgpackNeverUsed || fields.docStatus[0] === JsonDocStatus.msgpackKey) return;
      expect(fields.docStatus[0], Buffer.from(mutated).toString("hex")).toBe(JsonDocStatus.ok);
      expect(differences(fields, all, 0, theirs.value), Buffer.from(mutated).toString("hex")).toEqual([]);
      compared++;
    }), { numRuns: 1500, seed: 19 });
    expect(compared).toBeGreaterThan(60);
  });
});
