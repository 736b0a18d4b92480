// Named cases for the wasm JSON extractor: each JSON rule the issue lists, each way a document
// is refused, the limits, and the kernel's own refusals. The generated comparison with
// JSON.parse is json-extract.property.test.ts.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as json from "../../runtime/core/json-extract.ts";
import { JsonDocStatus, JsonFieldExtractor, JsonKind, jsonFieldString, type JsonFields } from "../../runtime/core/json-extract.ts";
import { Status } from "../../runtime/core/errors.ts";
import { decodeBatchColumns, encodeBatch, Compression } from "../../runtime/core/index.ts";
import { core } from "../../runtime/core/wasm.ts";
import { layOut } from "./json-fixtures.ts";

const utf8 = new TextEncoder();

function extract(paths: json.JsonPath[], docs: (string | Uint8Array)[]): { fields: JsonFields; bytes: Uint8Array; value: (p: number, d?: number) => unknown } {
  const { bytes, positions, lengths } = layOut(docs.map((d) => (typeof d === "string" ? utf8.encode(d) : d)));
  const fields = new JsonFieldExtractor(paths).extract(bytes, positions, lengths);
  const value = (p: number, d = 0) => {
    const at = p * fields.count + d;
    switch (fields.kind[at]) {
      case JsonKind.number: return fields.number[at];
      case JsonKind.string: case JsonKind.stringUnescaped: return jsonFieldString(fields, bytes, p, d);
      case JsonKind.missing: return "<missing>";
      case JsonKind.invalid: return "<invalid>";
      default: return `<kind ${fields.kind[at]}>`;
    }
  };
  return { fields, bytes, value };
}

/** The single path's value in one document. */
const one = (path: json.JsonPath, doc: string | Uint8Array) => extract([path], [doc]).value(0);

describe("JSON rules", () => {
  it("keys written with escapes match the unescaped path: \\uXXXX, surrogate pairs, short escapes", () => {
    expect(one("temp", '{"t\\u0065mp": 1}')).toBe(1);
    expect(one("temp", '{"\\u0074\\u0065\\u006D\\u0070": 2}')).toBe(2);
    expect(one("😀", '{"\\ud83d\\ude00": 3}')).toBe(3);
    expect(one("😀", '{"\\uD83D\\uDE00": 4}')).toBe(4);
    expect(one("é", '{"\\u00e9": 5}')).toBe(5);
    expect(one(['k"q\\/'], '{"k\\"q\\\\\\/": 6}')).toBe(6);
    expect(one(["\n\t"], '{"\\n\\t": 7}')).toBe(7);
    expect(one("temp", '{"t\\u0065mpx": 1}')).toBe("<missing>");
  });

  it("string values: raw spans without escapes, decoded bytes with them (lone surrogates kept)", () => {
    const { fields, value } = extract(["a", "b", "c"], ['{"a":"plain é","b":"x\\u00e9\\ud83d\\ude00\\n","c":"\\udc00!"}']);
    expect(fields.kind[0]).toBe(JsonKind.string);
    expect(value(0)).toBe("plain é");
    expect(fields.kind[1]).toBe(JsonKind.stringUnescaped);
    expect(value(1)).toBe("xé😀\n");
    expect(value(2)).toBe("\udc00!");
  });

  it("skips nested objects and arrays, brackets and quotes inside strings included", () => {
    const doc = '{"x":{"ts":9,"s":"}{][\\"","a":[{"ts":8},"]",["}"]]},"arr":[{"ts":7}],"ts":1}';
    expect(one("ts", doc)).toBe(1);
    expect(one("x.ts", doc)).toBe(9);
    expect(one("x.a", doc)).toBe("<kind 8>");
    expect(one("arr.ts", doc)).toBe("<missing>"); // arrays are not indexed
  });

  it("numbers in every form JSON allows, to the double JSON.parse gives", () => {
    for (const text of ["-0", "0", "1e-7", "12.50E+3", "1E400", "-1e400", "1e-400", "4.9e-324", "0.1", "123456789012345678901234567890",
      "2.2250738585072011e-308", "1.7976931348623157e308", "9007199254740993", "0.30000000000000004", "1e+2", "1E-2", "-0.0E-0"]) {
      const got = one("n", `{"n":${text}}`);
      expect(Object.is(got, JSON.parse(text)), `${text}: ${String(got)}`).toBe(true);
    }
  });

  it("a duplicate key replaces the earlier member, also for the prefix of a nested path", () => {
    expect(one("a", '{"a":1,"a":2}')).toBe(2);
    expect(one("a", '{"a":1,"\\u0061":"s"}')).toBe("s");
    expect(one("m.s", '{"m":{"s":1},"m":{"t":2}}')).toBe("<missing>");
    expect(one("m.s", '{"m":{"s":1},"m":5}')).toBe("<missing>");
    expect(one("m.s", '{"m":{"s":1,"s":3}}')).toBe(3);
    expect(one("m", '{"m":1,"m":{"s":1}}')).toBe("<kind 7>");
  });

  it("whitespace anywhere JSON allows it", () => {
    expect(one("a.b", ' \t\r\n{ \n"a" \t: \r{ "b"\n:\n-1.5e1 } \n, "c" : [ 1 , 2 ] }\r\n ')).toBe(-15);
  });

  it("true, false, null, objects and arrays are their kinds, with their text spans", () => {
    const doc = '{"t":true,"f":false,"n":null,"o":{"k":[1]},"a":[ ]}';
    const { fields, bytes } = extract(["t", "f", "n", "o", "a"], [doc]);
    expect([...fields.kind]).toEqual([JsonKind.true, JsonKind.false, JsonKind.null, JsonKind.object, JsonKind.array]);
    const text = (p: number) => new TextDecoder().decode(bytes.subarray(fields.position[p], fields.position[p] + fields.length[p]));
    expect([0, 1, 2, 3, 4].map(text)).toEqual(["true", "false", "null", '{"k":[1]}', "[ ]"]);
  });

  it("a document that is not an object has every path missing", () => {
    for (const doc of ["5", '"ts"', "[1]", "null", ' {} ']) expect(one("ts", doc), doc).toBe("<missing>");
  });
});

describe("on a decoded batch's columns", () => {
  it("takes decodeBatchColumns' records, valuePosition and valueLength as they are (lz4 and a null value included)", () => {
    const values = ['{"device":"d1","temp":21.5}', null, '{"temp":-3e-1,"device":"d\u0032"}', "not json"];
    const batch = encodeBatch(
      values.map((v, i) => ({ key: utf8.encode(`k${i}`), value: v === null ? null : utf8.encode(v), timestampMs: 1_700_000_000_000 + i })),
      { compression: Compression.lz4 },
    );
    const columns = decodeBatchColumns(batch);
    const fields = new JsonFieldExtractor(["temp", "device"]).extract(columns.records, columns.valuePosition, columns.valueLength);
    expect([...fields.number.subarray(0, 4)].map(String)).toEqual(["21.5", "NaN", "-0.3", "NaN"]);
    expect([0, 1, 2, 3].map((d) => jsonFieldString(fields, columns.records, 1, d))).toEqual(["d1", undefined, "d2", undefined]);
    expect([...fields.docStatus]).toEqual([JsonDocStatus.ok, JsonDocStatus.null, JsonDocStatus.ok, JsonDocStatus.unexpected]);
  });
});

describe("refused documents", () => {
  const invalid: Array<[string | Uint8Array, number]> = [
    ["", JsonDocStatus.unexpected], ["   ", JsonDocStatus.unexpected], ['{"a":1,}', JsonDocStatus.unexpected],
    ["{'a':1}", JsonDocStatus.unexpected], ['{"a" 1}', JsonDocStatus.unexpected], ['{"a":1', JsonDocStatus.unexpected],
    ['{"a":NaN}', JsonDocStatus.unexpected], ['{"a":tru}', JsonDocStatus.unexpected], ["[1,]", JsonDocStatus.unexpected],
    ['{"a":01}', JsonDocStatus.unexpected], ['{"a":+1}', JsonDocStatus.unexpected], ['{"a":.5}', JsonDocStatus.unexpected],
    ['{"a":1.}', JsonDocStatus.number], ['{"a":1e}', JsonDocStatus.number], ['{"a":-}', JsonDocStatus.number], ['{"a":1e+}', JsonDocStatus.number],
    ['{"a":"\u0001"}', JsonDocStatus.string], ['{"a":"\\x"}', JsonDocStatus.string], ['{"a":"\\u12"}', JsonDocStatus.string],
    ['{"a":"\\u12g4"}', JsonDocStatus.string], ['{"a":"open}', JsonDocStatus.string],
    [Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), JsonDocStatus.utf8], // overlong '/'
    [Uint8Array.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d]), JsonDocStatus.utf8], // a surrogate in UTF-8
    [Uint8Array.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), JsonDocStatus.utf8], // past U+10FFFF
    [Uint8Array.from([0x22, 0xe2, 0x82, 0x22]), JsonDocStatus.utf8], // cut short
    [Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), JsonDocStatus.unexpected], // a byte order mark is not JSON
    ['{"a":1} x', JsonDocStatus.trailing], ["{}{}", JsonDocStatus.trailing], ["1 2", JsonDocStatus.trailing],
    ['\f{"a":1}', JsonDocStatus.unexpected], ['{"a":\u00a01}', JsonDocStatus.unexpected],
  ];

  it.each(invalid.map(([doc, status], i) => [i, doc, status] as const))("case %i is refused with its reason and offset", (_i, doc, status) => {
    const { fields } = extract(["a"], [doc]);
    expect(fields.docStatus[0]).toBe(status);
    expect(fields.kind[0]).toBe(JsonKind.invalid);
    expect(fields.errorPosition[0]).toBeGreaterThanOrEqual(0);
    expect(fields.invalidCount).toBe(1);
    expect(json.jsonDocReasons[status]).toMatch(/\w/);
  });

  it("strings and digits read eight bytes at a time still stop at each byte that ends or breaks them", () => {
    // Every position inside and past the first 8-byte chunks, for each byte the word-wide checks must catch.
    for (let at = 0; at < 20; at++) {
      const before = "abcdefghijklmnopqrstuvwxyz".slice(0, at);
      for (const bad of [0x00, 0x01, 0x0a, 0x1f]) {
        const doc = utf8.encode(`{"a":"${before}?tail"}`);
        doc[6 + at] = bad;
        const { fields } = extract(["a"], [doc]);
        expect([fields.docStatus[0], fields.errorPosition[0]], `byte ${bad} at ${at}`).toEqual([JsonDocStatus.string, 6 + at]);
      }
      expect(one("a", `{"a":"${before}\\"${before}"}`)).toBe(`${before}"${before}`);
      expect(one("a", `{"a":"${before}\\\\${before}"}`)).toBe(`${before}\\${before}`);
      expect(one("a", `{"a":"${before}é${before}"}`)).toBe(`${before}é${before}`);
      const digits = "1234567890123456789012".slice(0, at + 1);
      expect(one("a", `{"a":${digits}}`)).toBe(JSON.parse(digits));
      expect(one("a", `{"a":0.${digits}}`)).toBe(JSON.parse(`0.${digits}`));
      expect(one("a", `{"a":9.${digits}e-3}`)).toBe(JSON.parse(`9.${digits}e-3`));
      // A byte just past '9' (':' to '?') or before '0' ('/') right after a run of digits is not a digit.
      for (const next of ":;<=>?/") {
        const { fields } = extract(["a"], [`{"a":${digits}${next}1}`]);
        expect(fields.docStatus[0], `${digits}${next}`).not.toBe(JsonDocStatus.ok);
      }
    }
  });

  it("reports where the document stopped being JSON", () => {
    expect(extract(["a"], ['{"a":1,}']).fields.errorPosition[0]).toBe(7);
    expect(extract(["a"], ['{"a":"\\q"}']).fields.errorPosition[0]).toBe(7);
  });

  it("a record without a value (length -1) is refused as null, its neighbours still read", () => {
    const bytes = utf8.encode('{"a":1}');
    const fields = new JsonFieldExtractor(["a"]).extract(bytes, Int32Array.from([0, 0, 0]), Int32Array.from([7, -1, 7]));
    expect([...fields.docStatus]).toEqual([JsonDocStatus.ok, JsonDocStatus.null, JsonDocStatus.ok]);
    expect([...fields.number].map(String)).toEqual(["1", "NaN", "1"]);
  });

  it("an empty batch gives empty columns", () => {
    const fields = new JsonFieldExtractor(["a"]).extract(new Uint8Array(0), new Int32Array(0), new Int32Array(0));
    expect([fields.count, fields.invalidCount, fields.kind.length, fields.docStatus.length]).toEqual([0, 0, 0, 0]);
  });

  it(`nests up to ${json.JSON_NESTING_MAX} levels; deeper is refused as too deep, never a crash`, () => {
    const nested = (levels: number) => '{"a":'.repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
    expect(JSON.parse(nested(json.JSON_NESTING_MAX + 1))).toBeTypeOf("object");
    const { fields } = extract(["a.a"], [nested(json.JSON_NESTING_MAX), nested(json.JSON_NESTING_MAX + 1), "[".repeat(100_000)]);
    expect([...fields.docStatus]).toEqual([JsonDocStatus.ok, JsonDocStatus.tooDeep, JsonDocStatus.tooDeep]);
    expect(fields.kind[0]).toBe(JsonKind.object);
  });
});

describe("JSON extractor limits and the kernel's refusals", () => {
  it("the TypeScript constants match the kernel's (kinds, document statuses, limits)", () => {
    const source = readFileSync(new URL("../../wasm-core/assembly/json-extract.ts", import.meta.url), "utf8");
    const constants = Object.fromEntries([...source.matchAll(/export const (\w+): i32 = (\d+);/g)].map((m) => [m[1], Number(m[2])]));
    const camel = (s: string) => s.toLowerCase().replace(/_(\w)/g, (_m, c: string) => c.toUpperCase());
    const kinds = Object.entries(constants).filter(([k]) => k.startsWith("KIND_")).map(([k, v]) => [camel(k.slice(5)), v]);
    const docs = Object.entries(constants).filter(([k]) => k.startsWith("DOC_")).map(([k, v]) => [camel(k.slice(4)), v]);
    expect(Object.fromEntries(kinds)).toEqual(JsonKind);
    expect(Object.fromEntries(docs)).toEqual(JsonDocStatus);
    for (const name of ["JSON_PATHS_MAX", "JSON_SEGMENTS_MAX", "JSON_SEGMENT_BYTES_MAX", "JSON_NESTING_MAX"]) {
      expect((json as Record<string, unknown>)[name], name).toBe(constants[name]);
    }
  });

  it("refuses paths the kernel cannot match, naming them", () => {
    expect(() => new JsonFieldExtractor([])).toThrow(RangeError);
    expect(() => new JsonFieldExtractor(Array.from({ length: 33 }, (_, i) => `f${i}`))).toThrow(/1 to 32/);
    expect(() => new JsonFieldExtractor(["a..b"])).toThrow(/empty name/);
    expect(() => new JsonFieldExtractor([Array(17).fill("a")])).toThrow(/1 to 16/);
    expect(() => new JsonFieldExtractor(["x".repeat(1025)])).toThrow(/1024 bytes/);
    expect(() => new JsonFieldExtractor(["\ud800"])).toThrow(/lone surrogate/);
    expect(() => new JsonFieldExtractor(["a", ["a"]])).toThrow(/same field twice/);
    expect(() => new JsonFieldExtractor(["a"]).extract(new Uint8Array(4), Int32Array.from([2]), Int32Array.from([3]))).toThrow(/outside/);
    // 32 paths of 16 names each, the most the kernel takes, all found.
    const deep = Array.from({ length: 32 }, (_, i) => [...Array(15).fill("n"), `v${i}`]);
    const doc = '{"n":'.repeat(15) + "{" + deep.map((_, i) => `"v${i}":${i}`).join(",") + "}" + "}".repeat(15);
    const fields = new JsonFieldExtractor(deep).extract(utf8.encode(doc), Int32Array.from([0]), Int32Array.from([doc.length]));
    expect([...fields.number]).toEqual(deep.map((_, i) => i));
  });

  it("the kernel refuses a malformed path table or regions outside memory with a status", () => {
    const wasm = core();
    const kernel = wasm.exports as unknown as { jsonExtract: (...args: number[]) => number };
    const scratch = wasm.alloc(4096);
    const i32 = new Int32Array(wasm.exports.memory.buffer, scratch, 1024);
    i32.set([0, 3, 0, 1, 0]); // positions, lengths: one 3-byte document at 0
    i32.set([1, 0, 2], 16); // path table at +64: one segment (0, 2)
    const call = (pathCount: number, namesLength: number, out = scratch + 1024) =>
      kernel.jsonExtract(scratch + 512, scratch, scratch + 4, 1, scratch + 64, pathCount, scratch + 256, namesLength, out, scratch + 2048, 16);
    expect(call(1, 2)).toBeGreaterThanOrEqual(0);
    expect(call(0, 2)).toBe(Status.ERR_JSON_ARGUMENTS);
    expect(call(33, 2)).toBe(Status.ERR_JSON_ARGUMENTS);
    expect(call(1, 1)).toBe(Status.ERR_JSON_ARGUMENTS); // the segment runs past the names
    i32[16] = 17;
    expect(call(1, 2)).toBe(Status.ERR_JSON_ARGUMENTS); // too many segments
    i32[16] = 1;
    expect(call(1, 2, wasm.exports.memory.buffer.byteLength - 8)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
    i32[0] = wasm.exports.memory.buffer.byteLength; // the document lies outside memory
    expect(call(1, 2)).toBe(Status.ERR_REGION_OUT_OF_BOUNDS);
  });

  it("does not grow wasm memory over 1,000 extract calls once warm", () => {
    const docs = Array.from({ length: 200 }, (_, i) => utf8.encode(`{"ts":${i},"temp":"\\u00e9${i}","meta":{"site":"s${i % 7}"}}`));
    const { bytes, positions, lengths } = layOut(docs);
    const extractor = new JsonFieldExtractor(["ts", "temp", "meta.site"]);
    for (let i = 0; i < 10; i++) extractor.extract(bytes, positions, lengths);
    const before = core().exports.memory.buffer.byteLength;
    for (let i = 0; i < 1000; i++) extractor.extract(bytes, positions, lengths);
    expect(core().exports.memory.buffer.byteLength).toBe(before);
  });
});
