// JSON field extraction: many documents in one call, a few field paths, flat columns out.
//
// Each document is validated in full as RFC 8259 JSON in UTF-8 (what JSON.parse accepts after
// a strict UTF-8 decode) while the members named by the paths are picked up on the way: one
// pass, no tree, no allocation. A path is a list of member names (segments), matched after
// unescaping the document's keys; arrays are not indexed. A later duplicate key replaces an
// earlier one, as in JSON.parse: a key that matches a path (or a prefix of it) clears that
// path's result before its value is read.
//
// Inputs: documents at base + position[i], length[i] bytes (length -1: the record has no value).
// Path table (i32): per path, its segment count then (offset, length) per segment into `names`.
// Output columns for `count` documents and `pathCount` paths, path-major (index path*count+doc):
//   f64 number[P*n] | i32 kind[P*n] | i32 position[P*n] | i32 length[P*n]
//   | i32 docStatus[n] | i32 errorPosition[n]
// position/length span the value's text relative to `base`, except KIND_STRING_UNESCAPED, whose
// span is in the `unescaped` area (strings with escapes are decoded there, WTF-8 for lone
// surrogates). KIND_STRING spans the raw bytes between the quotes. number is NaN unless
// KIND_NUMBER. errorPosition is -1, or the byte offset in the document where it stopped being JSON.
import * as status from "./status";
import { inMemory } from "./memory";
import { numberFailedAt, scanJsonNumber, scannedNumber } from "./json-number";

export const KIND_MISSING: i32 = 0;
export const KIND_NUMBER: i32 = 1;
export const KIND_STRING: i32 = 2;
export const KIND_STRING_UNESCAPED: i32 = 3;
export const KIND_NULL: i32 = 4;
export const KIND_TRUE: i32 = 5;
export const KIND_FALSE: i32 = 6;
export const KIND_OBJECT: i32 = 7;
export const KIND_ARRAY: i32 = 8;
export const KIND_INVALID: i32 = 9;
/** MessagePack bin and ext values (skipped; never a number). */
export const KIND_BINARY: i32 = 10;
export const KIND_EXTENSION: i32 = 11;

export const DOC_OK: i32 = 0;
export const DOC_NULL: i32 = 1;
export const DOC_UNEXPECTED: i32 = 2;
export const DOC_STRING: i32 = 3;
export const DOC_UTF8: i32 = 4;
export const DOC_NUMBER: i32 = 5;
export const DOC_TOO_DEEP: i32 = 6;
export const DOC_TRAILING: i32 = 7;
// MessagePack documents (msgpack-extract.ts).
export const DOC_MSGPACK_TRUNCATED: i32 = 8;
export const DOC_MSGPACK_NEVER_USED: i32 = 9;
export const DOC_MSGPACK_KEY: i32 = 10;

export const JSON_PATHS_MAX: i32 = 32;
export const JSON_SEGMENTS_MAX: i32 = 16;
export const JSON_SEGMENT_BYTES_MAX: i32 = 1024;
export const JSON_NESTING_MAX: i32 = 1024;
export const JSON_COLUMN_BYTES_PER_CELL: i32 = 20;
export const JSON_COLUMN_BYTES_PER_DOC: i32 = 8;

const TRACKED_DEPTH: i32 = JSON_SEGMENTS_MAX + 2;
/** Depths below this keep their wanted paths (deeper ones match none). */
export const TRACKED_DEPTH_MAX: i32 = TRACKED_DEPTH;
/** Per depth: paths still matching inside the object open there. */
const WANT: usize = memory.data(TRACKED_DEPTH * 4, 16);
/** Per depth: paths whose value is the container open there, and where it starts. */
const PENDING: usize = memory.data(TRACKED_DEPTH * 4, 16);
const PENDING_START: usize = memory.data(TRACKED_DEPTH * 4, 16);
/** One bit per open container: 1 = object, 0 = array. */
const CONTAINERS: usize = memory.data(JSON_NESTING_MAX / 8 + 8, 16);
/** Per path and segment: absolute address and length of the segment's bytes. */
const SEGMENT_AT: usize = memory.data(JSON_PATHS_MAX * JSON_SEGMENTS_MAX * 4, 16);
const SEGMENT_LENGTH: usize = memory.data(JSON_PATHS_MAX * JSON_SEGMENTS_MAX * 4, 16);
const SEGMENT_COUNT: usize = memory.data(JSON_PATHS_MAX * 4, 16);
const KEY_SCRATCH: usize = memory.data(JSON_SEGMENT_BYTES_MAX + 8, 16);

// Per call: where results go.
let base: usize = 0;
let docCount: usize = 0;
let outNumber: usize = 0;
let outKind: usize = 0;
let outPosition: usize = 0;
let outLength: usize = 0;
let unescapedStart: usize = 0;
let unescapedAt: usize = 0;
let unescapedEnd: usize = 0;
/** The kernel ran out of unescaped room (a ledge bug: runtime/core sizes it). */
let outOfRoom: bool = false;

/** Where the documents of this call start (positions are relative to it). */
export function documentBase(): usize {
  return base;
}

/** Paths still matching inside the object (map) open at `depth` (< TRACKED_DEPTH_MAX). */
export function wantedAt(depth: i32): u32 {
  return load<u32>(WANT + (<usize>depth << 2));
}

// Per document.
let docEnd: usize = 0;
let docIndex: usize = 0;
let failure: i32 = DOC_OK;
let failedAt: usize = 0;
let stringHasEscape: bool = false;

// @ts-ignore: decorator
@inline
function fail(reason: i32, at: usize): usize {
  failure = reason;
  failedAt = at;
  return 0;
}

/** fail() for walkDocument, which returns the DOC_ status itself. */
export function stop(reason: i32, at: usize): i32 {
  fail(reason, at);
  return reason;
}

// @ts-ignore: decorator
@inline
function cell(path: i32): usize {
  return <usize>path * docCount + docIndex;
}

/** Paths of the current document whose result is not missing (so a duplicate key must clear them). */
let filledPaths: u32 = 0;

export function setResult(paths: u32, kind: i32, number: f64, position: i32, length: i32): void {
  filledPaths |= paths;
  while (paths != 0) {
    const path = <i32>ctz(paths);
    paths &= paths - 1;
    const at = cell(path);
    store<f64>(outNumber + (at << 3), number);
    store<i32>(outKind + (at << 2), kind);
    store<i32>(outPosition + (at << 2), position);
    store<i32>(outLength + (at << 2), length);
  }
}

// @ts-ignore: decorator
@inline
function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09;
}

// @ts-ignore: decorator
@inline
function skipSpace(p: usize): usize {
  while (p < docEnd && isSpace(load<u8>(p))) p++;
  return p;
}

function hexValue(c: u32): i32 {
  if (c - 0x30 < 10) return <i32>(c - 0x30);
  const lower = c | 0x20;
  if (lower - 0x61 < 6) return <i32>(lower - 0x61 + 10);
  return -1;
}

/** The 4 hex digits at p (already checked). */
function hex4(p: usize): u32 {
  let v: u32 = 0;
  for (let i: usize = 0; i < 4; i++) v = (v << 4) | <u32>hexValue(load<u8>(p + i));
  return v;
}

/** Checks one UTF-8 sequence starting with lead byte at p (>= 0x80); returns its end or 0. */
function utf8Sequence(p: usize): usize {
  const lead = <u32>load<u8>(p);
  let extra: usize = 0;
  let low: u32 = 0x80;
  let high: u32 = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) extra = 1;
  else if (lead == 0xe0) { extra = 2; low = 0xa0; }
  else if (lead == 0xed) { extra = 2; high = 0x9f; } // no UTF-16 surrogates
  else if (lead >= 0xe1 && lead <= 0xef) extra = 2;
  else if (lead == 0xf0) { extra = 3; low = 0x90; }
  else if (lead >= 0xf1 && lead <= 0xf3) extra = 3;
  else if (lead == 0xf4) { extra = 3; high = 0x8f; } // nothing past U+10FFFF
  else return fail(DOC_UTF8, p);
  if (p + extra >= docEnd) return fail(DOC_UTF8, p);
  const second = <u32>load<u8>(p + 1);
  if (second < low || second > high) return fail(DOC_UTF8, p + 1);
  for (let i: usize = 2; i <= extra; i++) {
    const c = <u32>load<u8>(p + i);
    if (c < 0x80 || c > 0xbf) return fail(DOC_UTF8, p + i);
  }
  return p + extra + 1;
}

/**
 * Whether the 8 bytes of `x` are all plain string bytes: ASCII from 0x20, no quote, no backslash.
 * (A byte with its top bit set, or below 0x20, or equal to 0x22 or 0x5c after the xor, sets a
 * top bit in one of the terms; borrows can only add top bits where one is already set.)
 */
// @ts-ignore: decorator
@inline
function plainStringBytes(x: u64): bool {
  const quote = x ^ 0x2222_2222_2222_2222;
  const backslash = x ^ 0x5c5c_5c5c_5c5c_5c5c;
  const flagged = x | (x - 0x2020_2020_2020_2020) | (quote - 0x0101_0101_0101_0101) | (backslash - 0x0101_0101_0101_0101);
  return (flagged & 0x8080_8080_8080_8080) == 0;
}

/** Checks a string whose opening quote is at p - 1; returns the closing quote's address or 0. */
function scanString(p: usize): usize {
  stringHasEscape = false;
  // Eight plain bytes at a time, then byte by byte from the first chunk that has anything else.
  const end = docEnd;
  while (p + 8 <= end && plainStringBytes(load<u64>(p))) p += 8;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c == 0x22) return p;
    if (c < 0x20) return fail(DOC_STRING, p);
    if (c == 0x5c) {
      stringHasEscape = true;
      if (p + 1 >= end) return fail(DOC_STRING, p);
      const e = <u32>load<u8>(p + 1);
      if (e == 0x75) {
        if (p + 6 > end) return fail(DOC_STRING, p);
        for (let i: usize = 2; i < 6; i++) if (hexValue(load<u8>(p + i)) < 0) return fail(DOC_STRING, p + i);
        p += 6;
      } else if (e == 0x22 || e == 0x5c || e == 0x2f || e == 0x62 || e == 0x66 || e == 0x6e || e == 0x72 || e == 0x74) {
        p += 2;
      } else {
        return fail(DOC_STRING, p + 1);
      }
    } else if (c >= 0x80) {
      p = utf8Sequence(p);
      if (p == 0) return 0;
    } else {
      p++;
    }
  }
  return fail(DOC_STRING, p);
}

function writeUtf8(out: usize, cp: u32): usize {
  if (cp < 0x80) {
    store<u8>(out, <u8>cp);
    return out + 1;
  }
  if (cp < 0x800) {
    store<u8>(out, <u8>(0xc0 | (cp >> 6)));
    store<u8>(out + 1, <u8>(0x80 | (cp & 0x3f)));
    return out + 2;
  }
  if (cp < 0x10000) {
    store<u8>(out, <u8>(0xe0 | (cp >> 12)));
    store<u8>(out + 1, <u8>(0x80 | ((cp >> 6) & 0x3f)));
    store<u8>(out + 2, <u8>(0x80 | (cp & 0x3f)));
    return out + 3;
  }
  store<u8>(out, <u8>(0xf0 | (cp >> 18)));
  store<u8>(out + 1, <u8>(0x80 | ((cp >> 12) & 0x3f)));
  store<u8>(out + 2, <u8>(0x80 | ((cp >> 6) & 0x3f)));
  store<u8>(out + 3, <u8>(0x80 | (cp & 0x3f)));
  return out + 4;
}

/**
 * Decodes the checked string [p, end) into out, writing at most `room` bytes; returns the end
 * of what it wrote, or 0 when the decoded string is longer than `room`. Never longer than the
 * escaped text: \uXXXX (6 bytes) gives at most 3, a surrogate pair (12) gives 4.
 */
function unescapeInto(p: usize, end: usize, out: usize, room: usize): usize {
  const limit = out + room;
  while (p < end) {
    const c = <u32>load<u8>(p);
    let cp: u32 = c;
    if (c != 0x5c) {
      p++;
    } else {
      const e = <u32>load<u8>(p + 1);
      p += 2;
      if (e == 0x75) {
        cp = hex4(p);
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && p + 6 <= end && load<u8>(p) == 0x5c && load<u8>(p + 1) == 0x75) {
          const low = hex4(p + 2);
          if (low >= 0xdc00 && low <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            p += 6;
          }
        }
      } else if (e == 0x62) cp = 0x08;
      else if (e == 0x66) cp = 0x0c;
      else if (e == 0x6e) cp = 0x0a;
      else if (e == 0x72) cp = 0x0d;
      else if (e == 0x74) cp = 0x09;
      else cp = e;
      if (out + 4 > limit) {
        // Exact check only near the end of the room.
        const bytes: usize = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (out + bytes > limit) return 0;
      }
      out = writeUtf8(out, cp);
      continue;
    }
    if (out >= limit) return 0;
    store<u8>(out++, <u8>cp);
  }
  return out;
}

// @ts-ignore: decorator
@inline
function isDigit(c: u32): bool {
  return c - 0x30 < 10;
}

/** Checks the literal `word` (4 or 5 ASCII bytes packed little-endian) at p; returns its end or 0. */
function scanLiteral(p: usize, word: u64, length: usize): usize {
  if (p + length > docEnd) return fail(DOC_UNEXPECTED, p);
  for (let i: usize = 0; i < length; i++) {
    if (<u64>load<u8>(p + i) != ((word >> (i << 3)) & 0xff)) return fail(DOC_UNEXPECTED, p + i);
  }
  return p + length;
}

/** Bytes [a, a + length) equal [b, b + length). */
function sameBytes(a: usize, b: usize, length: usize): bool {
  for (let i: usize = 0; i < length; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** Paths in `candidates` whose segment `segment` equals the key [p, end) (unescaped if needed). */
function matchKey(candidates: u32, segment: i32, p: usize, end: usize): u32 {
  let key = p;
  let keyLength = end - p;
  if (stringHasEscape) {
    const decodedEnd = unescapeInto(p, end, KEY_SCRATCH, <usize>JSON_SEGMENT_BYTES_MAX);
    if (decodedEnd == 0) return 0; // longer than any segment
    key = KEY_SCRATCH;
    keyLength = decodedEnd - KEY_SCRATCH;
  }
  let matched: u32 = 0;
  while (candidates != 0) {
    const path = <i32>ctz(candidates);
    candidates &= candidates - 1;
    const slot = (<usize>path * <usize>JSON_SEGMENTS_MAX + <usize>segment) << 2;
    const length = <usize>load<i32>(SEGMENT_LENGTH + slot);
    if (length == keyLength && sameBytes(key, <usize>load<i32>(SEGMENT_AT + slot), length)) matched |= <u32>1 << path;
  }
  return matched;
}

/** matchKey for a key whose bytes need no unescaping (MessagePack strings). */
export function matchRawKey(candidates: u32, segment: i32, p: usize, end: usize): u32 {
  stringHasEscape = false;
  return matchKey(candidates, segment, p, end);
}

/** Last duplicate wins: forgets what an earlier member of the same name gave `matched` paths. */
export function forgetEarlier(matched: u32): void {
  const stale = matched & filledPaths;
  if (stale != 0) {
    setResult(stale, KIND_MISSING, NaN, -1, 0);
    filledPaths &= ~stale;
  }
}

// @ts-ignore: decorator
@inline
export function segmentCount(path: i32): i32 {
  return load<i32>(SEGMENT_COUNT + (<usize>path << 2));
}

/** Sets the result of each path in `targets` to a string value spanning [p, end). */
function setString(targets: u32, p: usize, end: usize): void {
  if (!stringHasEscape) {
    setResult(targets, KIND_STRING, NaN, <i32>(p - base), <i32>(end - p));
    return;
  }
  const written = unescapeInto(p, end, unescapedAt, unescapedEnd - unescapedAt);
  if (written == 0 && end > p) {
    outOfRoom = true;
    return;
  }
  const start = unescapedAt;
  const stop = written == 0 ? start : written;
  unescapedAt = stop;
  setResult(targets, KIND_STRING_UNESCAPED, NaN, <i32>(start - unescapedStart), <i32>(stop - start));
}

function pushContainer(depth: i32, isObject: bool): void {
  const at = CONTAINERS + (<usize>depth >> 3);
  const bit = <u8>(<u32>1 << <u32>(depth & 7));
  store<u8>(at, isObject ? load<u8>(at) | bit : load<u8>(at) & ~bit);
}

// @ts-ignore: decorator
@inline
function isObjectAt(depth: i32): bool {
  return (load<u8>(CONTAINERS + (<usize>depth >> 3)) & (1 << (depth & 7))) != 0;
}

const EXPECT_VALUE: i32 = 0;
const AFTER_VALUE: i32 = 1;
const EXPECT_KEY: i32 = 2;

/** Records a container opened at p as depth `depth`: its kind, the paths inside it, its targets. */
export function openContainer(depth: i32, p: usize, isObject: bool, targets: u32, within: u32): void {
  pushContainer(depth, isObject);
  if (depth < TRACKED_DEPTH) {
    store<u32>(WANT + (<usize>depth << 2), isObject ? within : 0);
    store<u32>(PENDING + (<usize>depth << 2), targets);
    store<u32>(PENDING_START + (<usize>depth << 2), <u32>p);
  }
}

export function closeContainer(depth: i32, end: usize): void {
  if (depth >= TRACKED_DEPTH) return;
  const pending = load<u32>(PENDING + (<usize>depth << 2));
  if (pending == 0) return;
  const start = <usize>load<u32>(PENDING_START + (<usize>depth << 2));
  setResult(pending, isObjectAt(depth) ? KIND_OBJECT : KIND_ARRAY, NaN, <i32>(start - base), <i32>(end - start));
}

/** Reads one scalar value at p for `targets`; returns its end or 0. */
function scalar(p: usize, c: u32, targets: u32): usize {
  if (c == 0x22) {
    const close = scanString(p + 1);
    if (close == 0) return 0;
    if (targets != 0) setString(targets, p + 1, close);
    return close + 1;
  }
  if (c == 0x2d || isDigit(c)) {
    const end = scanJsonNumber(p, docEnd, targets != 0);
    if (end == 0) return fail(DOC_NUMBER, numberFailedAt);
    if (targets != 0) setResult(targets, KIND_NUMBER, scannedNumber, <i32>(p - base), <i32>(end - p));
    return end;
  }
  let end: usize = 0;
  let kind = KIND_NULL;
  if (c == 0x74) {
    end = scanLiteral(p, 0x65757274, 4); // "true"
    kind = KIND_TRUE;
  } else if (c == 0x66) {
    end = scanLiteral(p, 0x65736c6166, 5); // "false"
    kind = KIND_FALSE;
  } else if (c == 0x6e) {
    end = scanLiteral(p, 0x6c6c756e, 4); // "null"
  } else {
    return fail(DOC_UNEXPECTED, p);
  }
  if (end != 0 && targets != 0) setResult(targets, kind, NaN, <i32>(p - base), <i32>(end - p));
  return end;
}

/** What readKey found: paths the member's value is the target of, and paths that go inside it. */
let keyTargets: u32 = 0;
let keyWithin: u32 = 0;

// The top-level members' names of the last document, by position: documents from one producer
// name their members alike, in the same order, so a name that is byte for byte the one before
// (and then necessarily as valid, and unescaped) skips its scan and its match. Entry: i32 name
// length (-1: none) | u32 paths its value is the target of | u32 paths inside it | name bytes.
// A top-level name is matched against every path's first segment, so the cache holds while the
// paths do: loadPaths empties it.
const MEMBERS_CACHED: i32 = 16;
const MEMBER_ENTRY_BYTES: usize = 32;
const MEMBER_NAME_BYTES_MAX: usize = 20;
const MEMBER_NAMES: usize = memory.data(MEMBERS_CACHED * <i32>MEMBER_ENTRY_BYTES, 16);
/** Top-level members read so far in the current document. */
let rootMember: i32 = 0;

function forgetMemberNames(): void {
  for (let i: usize = 0; i < <usize>MEMBERS_CACHED; i++) store<i32>(MEMBER_NAMES + i * MEMBER_ENTRY_BYTES, -1);
}

/** The closing quote of the name at p (its opening quote) when it is the cached one, else 0. */
// @ts-ignore: decorator
@inline
function cachedName(entry: usize, p: usize): usize {
  const length = load<i32>(entry);
  if (length < 0) return 0;
  const close = p + 1 + <usize>length;
  if (close >= docEnd || load<u8>(close) != 0x22 || !sameBytes(p + 1, entry + 12, <usize>length)) return 0;
  return close;
}

/** Reads `"name" :` at p in the object open at `depth`, matching the name; returns the position of the colon, or 0. */
function readKey(p: usize, depth: i32): usize {
  p = skipSpace(p);
  if (p >= docEnd || load<u8>(p) != 0x22) return fail(DOC_UNEXPECTED, p);
  const entry = depth == 1 && rootMember < MEMBERS_CACHED ? MEMBER_NAMES + <usize>rootMember * MEMBER_ENTRY_BYTES : 0;
  if (depth == 1) rootMember++;
  let close = entry != 0 ? cachedName(entry, p) : 0;
  let targets: u32 = 0;
  let within: u32 = 0;
  if (close != 0) {
    stringHasEscape = false;
    targets = load<u32>(entry, 4);
    within = load<u32>(entry, 8);
  } else {
    close = scanString(p + 1);
    if (close == 0) return 0;
    const candidates = depth < TRACKED_DEPTH ? load<u32>(WANT + (<usize>depth << 2)) : 0;
    const matched = candidates != 0 ? matchKey(candidates, depth - 1, p + 1, close) : 0;
    // Paths ending at this depth take the value; longer ones look inside it.
    for (let bits = matched; bits != 0; bits &= bits - 1) {
      const path = <i32>ctz(bits);
      if (segmentCount(path) == depth) targets |= <u32>1 << path;
      else within |= <u32>1 << path;
    }
    if (entry != 0) {
      const length = close - p - 1;
      const cacheable = !stringHasEscape && length <= MEMBER_NAME_BYTES_MAX;
      store<i32>(entry, cacheable ? <i32>length : -1);
      store<u32>(entry, targets, 4);
      store<u32>(entry, within, 8);
      if (cacheable) memory.copy(entry + 12, p + 1, length);
    }
  }
  forgetEarlier(targets | within);
  keyTargets = targets;
  keyWithin = within;
  p = skipSpace(close + 1);
  if (p >= docEnd || load<u8>(p) != 0x3a) return fail(DOC_UNEXPECTED, p);
  return p;
}

/** Set by readMembers: it read the object's closing brace (else it stopped at a container value). */
let objectClosed: bool = false;

/**
 * Reads the members of the object open at `depth` from p while their values are scalars, without
 * going back through walkDocument's dispatch. Stops at a container value (p at its bracket, its
 * paths in keyTargets/keyWithin) or after the closing brace. Returns the position, or 0.
 */
function readMembers(p: usize, depth: i32): usize {
  while (true) {
    p = readKey(p, depth);
    if (p == 0) return 0;
    p = skipSpace(p + 1);
    if (p >= docEnd) return fail(DOC_UNEXPECTED, p);
    const c = <u32>load<u8>(p);
    if (c == 0x7b || c == 0x5b) {
      objectClosed = false;
      return p;
    }
    p = scalar(p, c, keyTargets);
    if (p == 0) return 0;
    p = skipSpace(p);
    if (p >= docEnd) return fail(DOC_UNEXPECTED, p);
    const next = load<u8>(p);
    if (next == 0x2c) {
      p++;
      continue;
    }
    if (next != 0x7d) return fail(DOC_UNEXPECTED, p);
    objectClosed = true;
    return p + 1;
  }
  return 0;
}

/** Walks one document in [start, docEnd), filling its results for `allPaths`; returns its DOC_ status. */
export function walkDocument(start: usize, end: usize, allPaths: u32): i32 {
  docEnd = end;
  failure = DOC_OK;
  rootMember = 0;
  let p = start;
  let depth: i32 = 0;
  let targets: u32 = 0;
  let within: u32 = allPaths;
  let state = EXPECT_VALUE;
  // Every turn consumes at least one byte, so the loop ends within the document's length.
  while (true) {
    if (state == EXPECT_VALUE) {
      p = skipSpace(p);
      if (p >= docEnd) return stop(DOC_UNEXPECTED, p);
      const c = <u32>load<u8>(p);
      if (c == 0x7b || c == 0x5b) {
        if (depth >= JSON_NESTING_MAX) return stop(DOC_TOO_DEEP, p);
        const isObject = c == 0x7b;
        depth++;
        openContainer(depth, p, isObject, targets, within);
        p = skipSpace(p + 1);
        if (p < docEnd && load<u8>(p) == (isObject ? 0x7d : 0x5d)) {
          closeContainer(depth, p + 1);
          depth--;
          p++;
          state = AFTER_VALUE;
        } else {
          targets = 0;
          within = 0;
          state = isObject ? EXPECT_KEY : EXPECT_VALUE;
        }
        continue;
      }
      p = scalar(p, c, targets);
      if (p == 0) return failure;
      state = AFTER_VALUE;
      continue;
    }
    if (state == AFTER_VALUE) {
      p = skipSpace(p);
      if (depth == 0) return p == docEnd ? DOC_OK : stop(DOC_TRAILING, p);
      if (p >= docEnd) return stop(DOC_UNEXPECTED, p);
      const c = <u32>load<u8>(p);
      const inObject = isObjectAt(depth);
      if (c == 0x2c) {
        p++;
        targets = 0;
        within = 0;
        state = inObject ? EXPECT_KEY : EXPECT_VALUE;
      } else if (c == (inObject ? 0x7d : 0x5d)) {
        p++;
        closeContainer(depth, p);
        depth--;
      } else {
        return stop(DOC_UNEXPECTED, p);
      }
      continue;
    }
    // EXPECT_KEY
    p = readMembers(p, depth);
    if (p == 0) return failure;
    if (objectClosed) {
      closeContainer(depth, p);
      depth--;
      state = AFTER_VALUE;
    } else {
      targets = keyTargets;
      within = keyWithin;
      state = EXPECT_VALUE;
    }
  }
  return DOC_OK;
}

/** Reads the path table into SEGMENT_*; false if it is malformed. */
export function loadPaths(table: usize, pathCount: i32, names: usize, namesLength: usize): bool {
  forgetMemberNames();
  let at = table;
  for (let path = 0; path < pathCount; path++) {
    if (!inMemory(at, 4)) return false;
    const segments = load<i32>(at);
    at += 4;
    if (segments < 1 || segments > JSON_SEGMENTS_MAX || !inMemory(at, <u64>segments * 8)) return false;
    store<i32>(SEGMENT_COUNT + (<usize>path << 2), segments);
    for (let s = 0; s < segments; s++) {
      const offset = load<i32>(at);
      const length = load<i32>(at + 4);
      at += 8;
      if (offset < 0 || length < 0 || length > JSON_SEGMENT_BYTES_MAX || <u64>offset + <u64>length > <u64>namesLength) return false;
      const slot = (<usize>path * <usize>JSON_SEGMENTS_MAX + <usize>s) << 2;
      store<i32>(SEGMENT_AT + slot, <i32>(names + <usize>offset));
      store<i32>(SEGMENT_LENGTH + slot, length);
    }
  }
  return true;
}

/** Walks one document in [start, end) for `allPaths`, writing its results; returns its DOC_ status. */
export type DocumentWalker = (start: usize, end: usize, allPaths: u32) => i32;

/** Sets where the next documents' results go (layout above); `count` documents, `pathCount` paths. */
export function beginDocuments(documents: usize, count: usize, out: usize, pathCount: i32, unescaped: usize, unescapedCapacity: usize): void {
  const cells = count * <usize>pathCount;
  base = documents;
  docCount = count;
  outNumber = out;
  outKind = out + (cells << 3);
  outPosition = outKind + (cells << 2);
  outLength = outPosition + (cells << 2);
  unescapedStart = unescaped;
  unescapedAt = unescaped;
  unescapedEnd = unescaped + unescapedCapacity;
  outOfRoom = false;
}

/** Where a failed document stopped, relative to its start (set by extractDocument). */
export let documentErrorPosition: i32 = -1;

/**
 * Extracts document `index` (at base + position, `length` bytes; -1 = no value) with `walk`.
 * Returns its DOC_ status (documentErrorPosition says where it failed), or a negative status
 * for a document outside memory or too little unescaped room.
 */
export function extractDocument(index: usize, position: i32, length: i32, allPaths: u32, walk: DocumentWalker): i32 {
  docIndex = index;
  setResult(allPaths, KIND_MISSING, NaN, -1, 0);
  filledPaths = 0;
  documentErrorPosition = -1;
  let docStatus = DOC_OK;
  if (length == -1) {
    docStatus = DOC_NULL;
    documentErrorPosition = 0;
  } else {
    if (position < 0 || length < 0 || !inMemory(base + <usize>position, <u64>length)) return status.ERR_REGION_OUT_OF_BOUNDS;
    const start = base + <usize>position;
    docStatus = walk(start, start + <usize>length, allPaths);
    if (outOfRoom) return status.ERR_JSON_ARGUMENTS;
    if (docStatus != DOC_OK) documentErrorPosition = <i32>(failedAt - start);
  }
  if (docStatus != DOC_OK) setResult(allPaths, KIND_INVALID, NaN, -1, 0);
  return docStatus;
}

/** The path bits for `pathCount` paths. */
// @ts-ignore: decorator
@inline
export function pathBits(pathCount: i32): u32 {
  return pathCount == 32 ? 0xffff_ffff : (<u32>1 << <u32>pathCount) - 1;
}

/**
 * Extracts `pathCount` paths from `count` documents into the columns at `out` (layout above).
 * Returns how many documents are not valid JSON (or have no value), or a status:
 * ERR_REGION_OUT_OF_BOUNDS for regions or documents outside memory, ERR_JSON_ARGUMENTS for a
 * malformed path table or too little unescaped room (runtime/core gives the documents' total).
 */
export function jsonExtract(
  documents: usize, positions: usize, lengths: usize, count: i32,
  pathTable: usize, pathCount: i32, names: usize, namesLength: usize,
  out: usize, unescaped: usize, unescapedCapacity: usize,
): i32 {
  return extractDocuments(documents, positions, lengths, count, pathTable, pathCount, names, namesLength, out, unescaped, unescapedCapacity, walkDocument);
}

/** jsonExtract's loop over documents, with the format's walker. */
export function extractDocuments(
  documents: usize, positions: usize, lengths: usize, count: i32,
  pathTable: usize, pathCount: i32, names: usize, namesLength: usize,
  out: usize, unescaped: usize, unescapedCapacity: usize, walk: DocumentWalker,
): i32 {
  if (count < 0 || pathCount < 1 || pathCount > JSON_PATHS_MAX) return status.ERR_JSON_ARGUMENTS;
  const n = <u64>count;
  const cells = n * <u64>pathCount;
  if (!inMemory(positions, n * 4) || !inMemory(lengths, n * 4) || !inMemory(names, namesLength)
    || !inMemory(out, cells * <u64>JSON_COLUMN_BYTES_PER_CELL + n * <u64>JSON_COLUMN_BYTES_PER_DOC)
    || !inMemory(unescaped, unescapedCapacity)) {
    return status.ERR_REGION_OUT_OF_BOUNDS;
  }
  if (!loadPaths(pathTable, pathCount, names, namesLength)) return status.ERR_JSON_ARGUMENTS;
  beginDocuments(documents, <usize>count, out, pathCount, unescaped, unescapedCapacity);
  const outStatus = outLength + <usize>(cells << 2);
  const outError = outStatus + <usize>(n << 2);
  const allPaths = pathBits(pathCount);
  let invalid: i32 = 0;
  for (let i: usize = 0; i < <usize>count; i++) {
    const docStatus = extractDocument(i, load<i32>(positions + (i << 2)), load<i32>(lengths + (i << 2)), allPaths, walk);
    if (docStatus < 0) return docStatus;
    if (docStatus != DOC_OK) invalid++;
    store<i32>(outStatus + (i << 2), docStatus);
    store<i32>(outError + (i << 2), documentErrorPosition);
  }
  return invalid;
}
