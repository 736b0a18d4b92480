// Seeded generators of JSON documents that exercise what real JSON allows: keys written with
// escapes (\uXXXX, surrogate pairs, short escapes), members that collide (duplicates), nested
// objects and arrays holding strings with brackets and quotes, numbers in every JSON form, and
// whitespace between every token. Plus mutations of them for the bad-input fuzz.
import { seededRandom } from "../../bench/lib/telemetry-lines.ts";

export type Random = () => number;
export { seededRandom };

/** Keys the generators use, so paths hit often and duplicates happen. */
export const KEYS = ["ts", "temp", "meta", "site", "deep", "x", "", "é", "😀", 'k"q', "t\\e", "a.b", "__proto__", "arr", "€uro"];

/** Paths checked against every generated document (dot form or a list, for names with dots or empty names). */
export const PATHS: (string | string[])[] = [
  "ts", "temp", "meta.site", "meta.deep.x", "meta.deep.x.site", ["a.b"], [""], ["😀"], "é", 'k"q', "t\\e", "__proto__", "arr",
  "meta", ["meta", ""], ["x", "😀", "€uro"], "€uro",
];

const pick = <T>(rand: Random, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Random, n: number) => Math.floor(rand() * n);

function digits(rand: Random, count: number, leadingNonZero: boolean): string {
  let s = "";
  for (let i = 0; i < count; i++) s += String(i === 0 && leadingNonZero ? 1 + int(rand, 9) : int(rand, 10));
  return s;
}

/** Doubles the decimal-to-binary step gets wrong most easily: ties, limits, subnormals, long digit strings. */
const HARD_NUMBERS = [
  "9007199254740993", "9007199254740995", "1.00000000000000033306690738754696212708950042724609375", "9007199254740992.5", "2.2250738585072011e-308", "2.2250738585072012e-308",
  "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
  "1.7976931348623158e308", "1.7976931348623159e308", "0.1", "0.30000000000000004", "123456789012345678901234567890",
  "1e23", "8.98846567431158e307", "0.000001", "1e-7", "12.50E+3", "-0", "-0.0e0", "0e-99999999999", "1e999999999999",
  "-1e-999999999999", "1E+0", "1e007", "7.038531e-26", "2.2250738585072014E-308", "1.00000000000000011102230246251565404236316680908203125",
  "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
  "5e-324", "1e-400", "1e400", "-1e400", "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
];

/** A random double's bits, reinterpreted (every exponent, subnormals included). */
function randomDouble(rand: Random): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, Math.floor(rand() * 2 ** 32));
  view.setUint32(4, Math.floor(rand() * 2 ** 32));
  const v = view.getFloat64(0);
  return Number.isFinite(v) ? v : 1.5;
}

/**
 * The exact decimal of the midpoint between a random double and the next one up (a tie, which
 * must round to the even mantissa), or a hair above or below it: up to ~770 significant digits.
 */
function midpointText(rand: Random): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(randomDouble(rand)));
  const bits = view.getBigUint64(0);
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (biased === 0 ? -1074 : biased - 1075) - 1;
  let digits = 2n * mantissa + 1n;
  let power = 0;
  if (exponent >= 0) digits <<= BigInt(exponent);
  else {
    digits *= 5n ** BigInt(-exponent);
    power = exponent;
  }
  const nudge = int(rand, 3); // 0: the tie itself, 1: just above, 2: just below
  if (nudge !== 0) {
    digits = digits * 10n + (nudge === 1 ? 1n : -1n);
    power -= 1;
  }
  return digits.toString() + (power === 0 ? "" : `e${power}`);
}

export function numberText(rand: Random): string {
  const form = int(rand, 9);
  if (form === 0) return pick(rand, HARD_NUMBERS);
  if (form === 8) return midpointText(rand);
  if (form === 1) {
    const v = randomDouble(rand);
    return pick(rand, [String(v), v.toExponential(int(rand, 20)), v.toPrecision(1 + int(rand, 21))]).replace("e+", pick(rand, ["e+", "E+", "e", "E"]));
  }
  if (form === 2) return String(Math.round((rand() - 0.5) * 10 ** int(rand, 17)));
  if (form === 3) return (rand() * 100).toFixed(int(rand, 5));
  // Built from parts: sign, integer, fraction, exponent (with leading zeros, signs, big values).
  const sign = rand() < 0.3 ? "-" : "";
  const integer = rand() < 0.3 ? "0" : digits(rand, 1 + int(rand, form === 7 ? 60 : 20), true);
  const fraction = rand() < 0.5 ? "." + digits(rand, 1 + int(rand, form === 7 ? 400 : 20), false) : "";
  const exponent = rand() < 0.5 ? pick(rand, ["e", "E"]) + pick(rand, ["", "+", "-"]) + digits(rand, 1 + int(rand, 4), false) : "";
  return sign + integer + fraction + exponent;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function unicodeEscape(rand: Random, unit: number): string {
  const hex = unit.toString(16).padStart(4, "0");
  return "\\u" + (rand() < 0.5 ? hex : hex.toUpperCase());
}

/** A JSON string literal for `text`, each character written raw or escaped at random. */
export function stringLiteral(rand: Random, text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    const mustEscape = ch === '"' || ch === "\\" || code < 0x20;
    const r = rand();
    if (!mustEscape && r < 0.7) out += ch;
    else if (SHORT_ESCAPES[ch] !== undefined && r < 0.85) out += SHORT_ESCAPES[ch];
    else for (let i = 0; i < ch.length; i++) out += unicodeEscape(rand, ch.charCodeAt(i));
  }
  return out + '"';
}

const STRING_TEXTS = ["d1", "", "a{b}[c]", 'q"uote', "back\\slash", "tab\tnew\nline", "é€😀", "]}", "{\"x\":1}", "\u0000\u001f", "\u2028\u2029"];

/** A lone surrogate written as an escape: valid JSON, and JSON.parse keeps it. */
function loneSurrogateLiteral(rand: Random): string {
  return '"a' + unicodeEscape(rand, 0xd800 + int(rand, 0x800)) + 'b"';
}

function space(rand: Random): string {
  if (rand() < 0.6) return "";
  let s = "";
  for (let i = int(rand, 4); i >= 0; i--) s += pick(rand, [" ", "\t", "\n", "\r"]);
  return s;
}

export function valueText(rand: Random, depth: number): string {
  const r = rand();
  if (depth < 4 && r < 0.25) return objectText(rand, depth + 1);
  if (depth < 4 && r < 0.35) {
    const items = Array.from({ length: int(rand, 4) }, () => space(rand) + valueText(rand, depth + 1) + space(rand));
    return "[" + (items.length === 0 ? space(rand) : items.join(",")) + "]";
  }
  if (r < 0.65) return numberText(rand);
  if (r < 0.85) return rand() < 0.1 ? loneSurrogateLiteral(rand) : stringLiteral(rand, pick(rand, STRING_TEXTS));
  return pick(rand, ["true", "false", "null"]);
}

export function objectText(rand: Random, depth: number): string {
  const members = Array.from({ length: int(rand, depth === 0 ? 9 : 5) }, () =>
    space(rand) + stringLiteral(rand, pick(rand, KEYS)) + space(rand) + ":" + space(rand) + valueText(rand, depth) + space(rand));
  return "{" + (members.length === 0 ? space(rand) : members.join(",")) + "}";
}

/** A document: mostly an object, sometimes another JSON value, with whitespace around. */
export function documentText(rand: Random): string {
  return space(rand) + (rand() < 0.9 ? objectText(rand, 0) : valueText(rand, 2)) + space(rand);
}

/** Bytes that matter to a JSON reader, for mutations. */
const SIGNIFICANT = [..."{}[]\",:\\ \t\n-+.eE0123456789tfnu/"].map((c) => c.charCodeAt(0)).concat([0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xf5, 0xff, 0x0b, 0x0c]);

/** `bytes` with 1-3 random edits: delete, insert, replace, truncate or duplicate a slice. */
export function mutate(rand: Random, bytes: Uint8Array): Uint8Array {
  let out = Array.from(bytes);
  for (let edits = 1 + int(rand, 3); edits > 0; edits--) {
    const at = int(rand, out.length + 1);
    const byte = rand() < 0.8 ? pick(rand, SIGNIFICANT) : int(rand, 256);
    switch (int(rand, 5)) {
      case 0: out.splice(at, 1); break;
      case 1: out.splice(at, 0, byte); break;
      case 2: if (at < out.length) out[at] = byte; break;
      case 3: out = out.slice(0, at); break;
      default: out.splice(at, 0, ...out.slice(at, at + 1 + int(rand, 8)));
    }
  }
  return Uint8Array.from(out);
}

/** Lays documents end to end with a gap byte between them (so no document reads its neighbour). */
export function layOut(documents: readonly Uint8Array[]): { bytes: Uint8Array; positions: Int32Array; lengths: Int32Array } {
  const bytes = new Uint8Array(documents.reduce((n, d) => n + d.length + 1, 0));
  const positions = new Int32Array(documents.length);
  const lengths = new Int32Array(documents.length);
  let at = 0;
  documents.forEach((d, i) => {
    bytes.set(d, at);
    positions[i] = at;
    lengths[i] = d.length;
    bytes[at + d.length] = 0x7d; // '}' right after each document: reading past the end would misparse
    at += d.length + 1;
  });
  return { bytes, positions, lengths };
}
