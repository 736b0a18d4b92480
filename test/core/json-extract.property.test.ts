// The wasm JSON extractor against JSON.parse (test/reference/json-extract.ts) on seeded,
// generated documents: every path's kind and value agree, numbers to the same double (-0
// included), and validity agrees exactly on mutated documents (never a throw from wasm).
import { describe, expect, it } from "vitest";
import { JsonFieldExtractor, JsonKind, jsonFieldString, jsonPathSegments, type JsonFields } from "../../runtime/core/json-extract.ts";
import { referenceField, referenceParse, type ReferenceValue } from "../reference/json-extract.ts";
import { documentText, layOut, mutate, PATHS, seededRandom } from "./json-fixtures.ts";

const utf8 = new TextEncoder();
const BATCH = 100;

const kindNames: Record<number, ReferenceValue["kind"]> = {
  [JsonKind.missing]: "missing", [JsonKind.number]: "number", [JsonKind.string]: "string",
  [JsonKind.stringUnescaped]: "string", [JsonKind.null]: "null", [JsonKind.true]: "true",
  [JsonKind.false]: "false", [JsonKind.object]: "object", [JsonKind.array]: "array", [JsonKind.invalid]: "invalid",
};

const decoder = new TextDecoder();

/** Where one cell differs from the reference, or undefined when it agrees. */
function difference(fields: JsonFields, bytes: Uint8Array, p: number, d: number, want: ReferenceValue): string | undefined {
  const at = p * fields.count + d;
  const got = kindNames[fields.kind[at]];
  if (got !== want.kind) return `kind ${got}, JSON.parse ${want.kind}`;
  const text = decoder.decode(bytes.subarray(fields.position[at], fields.position[at] + fields.length[at]));
  if (want.kind === "number") {
    if (!Object.is(fields.number[at], want.value)) return `number ${fields.number[at]}, JSON.parse ${want.value}`;
    if (!Object.is(JSON.parse(text), want.value)) return `number text ${text}`;
  } else if (!Number.isNaN(fields.number[at])) {
    return `number ${fields.number[at]} for a ${want.kind}`;
  }
  if (want.kind === "string" && jsonFieldString(fields, bytes, p, d) !== want.value) {
    return `string ${JSON.stringify(jsonFieldString(fields, bytes, p, d))}, JSON.parse ${JSON.stringify(want.value)}`;
  }
  if ((want.kind === "object" || want.kind === "array") && JSON.stringify(JSON.parse(text)) !== JSON.stringify(want.value)) {
    return `span ${text}`;
  }
  return undefined;
}

/** Checks every (path, document) cell of one extract call against the reference; counts kinds in `tally`. */
function compare(extractor: JsonFieldExtractor, documents: Uint8Array[], tally: Map<string, number>): void {
  const { bytes, positions, lengths } = layOut(documents);
  const fields: JsonFields = extractor.extract(bytes, positions, lengths);
  const problems: string[] = [];
  let invalid = 0;
  documents.forEach((doc, d) => {
    const parsed = referenceParse(doc);
    const shown = JSON.stringify(decoder.decode(doc));
    if (!parsed.ok) invalid++;
    if ((fields.docStatus[d] === 0) !== parsed.ok) problems.push(`${shown}: docStatus ${fields.docStatus[d]}, JSON.parse ok ${parsed.ok}`);
    extractor.paths.forEach((segments, p) => {
      const want = referenceField(parsed, segments);
      tally.set(want.kind, (tally.get(want.kind) ?? 0) + 1);
      const problem = difference(fields, bytes, p, d, want);
      if (problem !== undefined) problems.push(`path ${JSON.stringify(segments)} in ${shown}: ${problem}`);
    });
  });
  expect(problems.slice(0, 5)).toEqual([]);
  expect(fields.invalidCount).toBe(invalid);
}

describe("JSON extraction equals JSON.parse", () => {
  const extractor = new JsonFieldExtractor(PATHS);

  it("on 4,000 generated documents (escaped keys, duplicates, nesting, every number form, whitespace)", () => {
    const rand = seededRandom(13);
    const tally = new Map<string, number>();
    for (let b = 0; b < 40; b++) {
      compare(extractor, Array.from({ length: BATCH }, () => utf8.encode(documentText(rand))), tally);
    }
    // The generator must reach every kind, or the comparison proves little.
    for (const kind of ["missing", "number", "string", "null", "true", "false", "object", "array"]) {
      expect(tally.get(kind) ?? 0, kind).toBeGreaterThan(50);
    }
  });

  it("on 6,000 mutated documents: valid exactly when JSON.parse accepts them, and then the same values", () => {
    const rand = seededRandom(29);
    const tally = new Map<string, number>();
    for (let b = 0; b < 60; b++) {
      compare(extractor, Array.from({ length: BATCH }, () => mutate(rand, utf8.encode(documentText(rand)))), tally);
    }
    expect(tally.get("invalid") ?? 0).toBeGreaterThan(6000);
    expect(tally.get("number") ?? 0).toBeGreaterThan(500);
  });

  it("on 2,000 documents of random bytes: a status per document, never a throw", () => {
    const rand = seededRandom(31);
    const tally = new Map<string, number>();
    for (let b = 0; b < 20; b++) {
      const documents = Array.from({ length: BATCH }, () => Uint8Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
      compare(extractor, documents, tally);
    }
  });

  it("paths are split on dots, or taken as given when a list", () => {
    expect(jsonPathSegments("meta.site")).toEqual(["meta", "site"]);
    expect(jsonPathSegments(["a.b", ""])).toEqual(["a.b", ""]);
  });
});
