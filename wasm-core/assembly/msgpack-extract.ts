// MessagePack field extraction: the same paths and output columns as json-extract.ts, over
// MessagePack documents (one value each). Read as msgpackr reads into plain objects, which is
// what a JS producer or consumer of these records sees:
//   - map keys are matched as bytes against the path's segments when they are strings; keys
//     that are numbers, booleans or nil are valid but match no path; a key that is a map, an
//     array, bin or ext makes the document invalid (msgpackr refuses to make it a property);
//   - a later duplicate key replaces an earlier one (last wins);
//   - every int and float type is a number (64-bit integers rounded to the nearest double, as
//     Number(bigint) does); strings span their raw bytes (KIND_STRING); bin and ext values are
//     skipped (KIND_BINARY, KIND_EXTENSION); nested maps and arrays are skipped by count;
//   - 0xc1 (never used), a value that runs past the end, and bytes after the value make the
//     document invalid.
// Every length is checked against the document's end before it is used, so a truncated or
// damaged document stops with a DOC_ status, never a read outside it. A number's position and
// length span its encoded bytes, type byte included (the pipeline reads integer keys from them).
import {
  DOC_OK, DOC_MSGPACK_KEY, DOC_MSGPACK_NEVER_USED, DOC_MSGPACK_TRUNCATED, DOC_TOO_DEEP, DOC_TRAILING,
  JSON_NESTING_MAX, KIND_ARRAY, KIND_BINARY, KIND_EXTENSION, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT,
  KIND_STRING, KIND_TRUE, TRACKED_DEPTH_MAX, closeContainer, extractDocuments, forgetEarlier, matchRawKey,
  openContainer, segmentCount, setResult, stop, documentBase, wantedAt,
} from "./json-extract";

/** Per open container: how many items (map entries, array elements) are still to read. */
const REMAINING: usize = memory.data((JSON_NESTING_MAX + 2) * 4, 16);
/** Per open container: 1 when it is a map. */
const IS_MAP: usize = memory.data(JSON_NESTING_MAX + 2, 16);

// What readHeader found about the value at p.
const T_NUMBER: i32 = 0;
const T_STRING: i32 = 1;
const T_NIL: i32 = 2;
const T_TRUE: i32 = 3;
const T_FALSE: i32 = 4;
const T_BINARY: i32 = 5;
const T_EXTENSION: i32 = 6;
const T_MAP: i32 = 7;
const T_ARRAY: i32 = 8;
const T_NEVER_USED: i32 = 9;

let valueType: i32 = 0;
/** Numbers: the value. */
let valueNumber: f64 = 0;
/** Strings, bin, ext: where the payload starts and its length; maps/arrays: the item count. */
let payloadAt: usize = 0;
let payloadLength: u64 = 0;
/** Where the value (or, for maps and arrays, its header) ends. */
let valueEnd: usize = 0;

// @ts-ignore: decorator
@inline
function be16(p: usize): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

// @ts-ignore: decorator
@inline
function be32(p: usize): u32 {
  return bswap<u32>(load<u32>(p));
}

// @ts-ignore: decorator
@inline
function be64(p: usize): u64 {
  return bswap<u64>(load<u64>(p));
}

/** Reads the header of the value at p (p < end). Returns false when it runs past `end`. */
function readHeader(p: usize, end: usize): bool {
  const c = <u32>load<u8>(p);
  const room = <u64>(end - p - 1);
  if (c < 0x80) { valueType = T_NUMBER; valueNumber = <f64>c; valueEnd = p + 1; return true; }
  if (c >= 0xe0) { valueType = T_NUMBER; valueNumber = <f64>(<i32>c - 0x100); valueEnd = p + 1; return true; }
  if (c < 0x90) { valueType = T_MAP; payloadLength = c & 0x0f; valueEnd = p + 1; return true; }
  if (c < 0xa0) { valueType = T_ARRAY; payloadLength = c & 0x0f; valueEnd = p + 1; return true; }
  if (c < 0xc0) return sized(T_STRING, p + 1, <u64>(c & 0x1f), end);
  // Fixed-size payloads: the bytes after the type byte.
  let fixed: u64 = 0;
  switch (c) {
    case 0xc0: valueType = T_NIL; valueEnd = p + 1; return true;
    case 0xc1: valueType = T_NEVER_USED; valueEnd = p + 1; return true;
    case 0xc2: valueType = T_FALSE; valueEnd = p + 1; return true;
    case 0xc3: valueType = T_TRUE; valueEnd = p + 1; return true;
    case 0xc4: case 0xd9: fixed = 1; break;
    case 0xc5: case 0xda: case 0xdc: case 0xde: fixed = 2; break;
    case 0xc6: case 0xdb: case 0xdd: case 0xdf: fixed = 4; break;
    case 0xc7: fixed = 2; break; // ext 8: length, type
    case 0xc8: fixed = 3; break;
    case 0xc9: fixed = 5; break;
    case 0xca: case 0xce: case 0xd2: fixed = 4; break;
    case 0xcb: case 0xcf: case 0xd3: fixed = 8; break;
    case 0xcc: case 0xd0: fixed = 1; break;
    case 0xcd: case 0xd1: fixed = 2; break;
    default: fixed = 1; // fixext 1-16: the type byte, then 1 << (c - 0xd4) bytes
  }
  if (fixed > room) return false;
  const q = p + 1;
  switch (c) {
    case 0xc4: return sized(T_BINARY, q + 1, <u64>load<u8>(q), end);
    case 0xc5: return sized(T_BINARY, q + 2, <u64>be16(q), end);
    case 0xc6: return sized(T_BINARY, q + 4, <u64>be32(q), end);
    case 0xd9: return sized(T_STRING, q + 1, <u64>load<u8>(q), end);
    case 0xda: return sized(T_STRING, q + 2, <u64>be16(q), end);
    case 0xdb: return sized(T_STRING, q + 4, <u64>be32(q), end);
    case 0xc7: return sized(T_EXTENSION, q + 2, <u64>load<u8>(q), end);
    case 0xc8: return sized(T_EXTENSION, q + 3, <u64>be16(q), end);
    case 0xc9: return sized(T_EXTENSION, q + 5, <u64>be32(q), end);
    case 0xdc: valueType = T_ARRAY; payloadLength = be16(q); valueEnd = q + 2; return true;
    case 0xdd: valueType = T_ARRAY; payloadLength = be32(q); valueEnd = q + 4; return true;
    case 0xde: valueType = T_MAP; payloadLength = be16(q); valueEnd = q + 2; return true;
    case 0xdf: valueType = T_MAP; payloadLength = be32(q); valueEnd = q + 4; return true;
    case 0xca: valueNumber = <f64>reinterpret<f32>(be32(q)); break;
    case 0xcb: valueNumber = reinterpret<f64>(be64(q)); break;
    case 0xcc: valueNumber = <f64>load<u8>(q); break;
    case 0xcd: valueNumber = <f64>be16(q); break;
    case 0xce: valueNumber = <f64>be32(q); break;
    case 0xcf: valueNumber = <f64>be64(q); break;
    case 0xd0: valueNumber = <f64>load<i8>(q); break;
    case 0xd1: valueNumber = <f64>(<i16>be16(q)); break;
    case 0xd2: valueNumber = <f64>(<i32>be32(q)); break;
    case 0xd3: valueNumber = <f64>(<i64>be64(q)); break;
    default: return sized(T_EXTENSION, q + 1, <u64>1 << <u64>(c - 0xd4), end); // fixext
  }
  valueType = T_NUMBER;
  valueEnd = q + <usize>fixed;
  return true;
}

/** A value whose `length` payload bytes start at `at`; false when they run past `end`. */
function sized(type: i32, at: usize, length: u64, end: usize): bool {
  if (<u64>at + length > <u64>end) return false;
  valueType = type;
  payloadAt = at;
  payloadLength = length;
  valueEnd = at + <usize>length;
  return true;
}

/** Writes the scalar just read (not a map or array) as the result of `targets`. */
function setScalar(targets: u32, p: usize): void {
  const base = documentBase();
  switch (valueType) {
    case T_NUMBER: setResult(targets, KIND_NUMBER, valueNumber, <i32>(p - base), <i32>(valueEnd - p)); break;
    case T_STRING: setResult(targets, KIND_STRING, NaN, <i32>(payloadAt - base), <i32>payloadLength); break;
    case T_NIL: setResult(targets, KIND_NULL, NaN, <i32>(p - base), 1); break;
    case T_TRUE: setResult(targets, KIND_TRUE, NaN, <i32>(p - base), 1); break;
    case T_FALSE: setResult(targets, KIND_FALSE, NaN, <i32>(p - base), 1); break;
    case T_BINARY: setResult(targets, KIND_BINARY, NaN, <i32>(payloadAt - base), <i32>payloadLength); break;
    default: setResult(targets, KIND_EXTENSION, NaN, <i32>(payloadAt - base), <i32>payloadLength);
  }
}

/** Walks one MessagePack document in [start, end) for `allPaths` (a DocumentWalker). */
export function walkMsgpack(start: usize, end: usize, allPaths: u32): i32 {
  let p = start;
  let depth: i32 = 0;
  let targets: u32 = 0;
  let within: u32 = allPaths;
  // Every turn reads at least one byte, so the loop ends within the document's length.
  while (true) {
    // One value at p, for `targets` (paths ending here) and `within` (paths inside it).
    if (p >= end) return stop(DOC_MSGPACK_TRUNCATED, p);
    if (!readHeader(p, end)) return stop(DOC_MSGPACK_TRUNCATED, p);
    if (valueType == T_NEVER_USED) return stop(DOC_MSGPACK_NEVER_USED, p);
    if (valueType == T_MAP || valueType == T_ARRAY) {
      if (depth >= JSON_NESTING_MAX) return stop(DOC_TOO_DEEP, p);
      const isMap = valueType == T_MAP;
      // Each item takes at least one byte (two for a map entry): a larger count is truncated.
      if (payloadLength * (isMap ? 2 : 1) > <u64>(end - valueEnd)) return stop(DOC_MSGPACK_TRUNCATED, p);
      depth++;
      openContainer(depth, p, isMap, targets, within);
      store<u32>(REMAINING + (<usize>depth << 2), <u32>payloadLength);
      store<u8>(IS_MAP + <usize>depth, isMap ? 1 : 0);
    } else if (targets != 0) {
      setScalar(targets, p);
    }
    p = valueEnd;
    // Close every container whose items are all read.
    while (depth > 0 && load<u32>(REMAINING + (<usize>depth << 2)) == 0) {
      closeContainer(depth, p);
      depth--;
    }
    if (depth == 0) return p == end ? DOC_OK : stop(DOC_TRAILING, p);
    const remaining = REMAINING + (<usize>depth << 2);
    store<u32>(remaining, load<u32>(remaining) - 1);
    targets = 0;
    within = 0;
    if (load<u8>(IS_MAP + <usize>depth) == 0) continue;
    // A map entry: its key, then (next turn) its value.
    if (p >= end || !readHeader(p, end)) return stop(DOC_MSGPACK_TRUNCATED, p);
    if (valueType == T_NEVER_USED) return stop(DOC_MSGPACK_NEVER_USED, p);
    if (valueType == T_MAP || valueType == T_ARRAY || valueType == T_BINARY || valueType == T_EXTENSION) return stop(DOC_MSGPACK_KEY, p);
    if (valueType == T_STRING && depth < TRACKED_DEPTH_MAX) {
      const matched = matchRawKey(wantedAt(depth), depth - 1, payloadAt, payloadAt + <usize>payloadLength);
      for (let bits = matched; bits != 0; bits &= bits - 1) {
        const path = <i32>ctz(bits);
        if (segmentCount(path) == depth) targets |= <u32>1 << path;
        else within |= <u32>1 << path;
      }
      forgetEarlier(matched);
    }
    p = valueEnd;
  }
  return DOC_OK;
}

/** jsonExtract for MessagePack documents: same arguments, same columns, DOC_MSGPACK_* statuses. */
export function msgpackExtract(
  documents: usize, positions: usize, lengths: usize, count: i32,
  pathTable: usize, pathCount: i32, names: usize, namesLength: usize,
  out: usize, unescaped: usize, unescapedCapacity: usize,
): i32 {
  return extractDocuments(documents, positions, lengths, count, pathTable, pathCount, names, namesLength, out, unescaped, unescapedCapacity, walkMsgpack);
}
