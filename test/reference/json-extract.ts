// What the JSON extractor must give, computed the plain way: a strict UTF-8 decode (no BOM
// stripping: JSON has none), JSON.parse, then a walk of own members. Arrays are not indexed.
export type ReferenceValue =
  | { kind: "invalid" }
  | { kind: "missing" }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "null" | "true" | "false" }
  | { kind: "object" | "array"; value: unknown };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** JSON.parse of the bytes, or `invalid` when the bytes are not UTF-8 or not JSON. */
export function referenceParse(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(strictUtf8.decode(bytes)) };
  } catch {
    return { ok: false };
  }
}

/** The value at `segments` in a parsed document, classified as the extractor classifies it. */
export function referenceField(parsed: { ok: true; value: unknown } | { ok: false }, segments: readonly string[]): ReferenceValue {
  if (!parsed.ok) return { kind: "invalid" };
  let value: unknown = parsed.value;
  for (const segment of segments) {
    if (typeof value !== "object" || value === null || Array.isArray(value) || !Object.hasOwn(value, segment)) {
      return { kind: "missing" };
    }
    value = (value as Record<string, unknown>)[segment];
  }
  if (typeof value === "number") return { kind: "number", value };
  if (typeof value === "string") return { kind: "string", value };
  if (value === null) return { kind: "null" };
  if (value === true) return { kind: "true" };
  if (value === false) return { kind: "false" };
  return { kind: Array.isArray(value) ? "array" : "object", value };
}
