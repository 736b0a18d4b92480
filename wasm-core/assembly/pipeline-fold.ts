// The fused pipeline kernel: one stored batch's records section (already checked by walkRecords,
// decompressed) → per record: its value's key/time/fields (JSON or MessagePack), its group key
// id, its tumbling/hopping windows, and the fold into their accumulators. One call per batch; no
// per-record host crossing. The host is called back (the kernel returns and is resumed) only
// for what it owns: a group key the kernel's key cache has not seen (the host's KeyTable gives
// it an id), and a window to open when the slots and room the host set aside for that are used
// up (the host opens it and enforces openWindowCountMax). Records that cannot be aggregated and
// late records are listed for the host to route, with where their key and value lie.
//
// The key cache is a cache: the host may clear it at any time (on growth), and it refills through
// the same stop. The window cache holds every open window (the host refills it whole when it
// grows), so a window it does not hold is a window to open. An entry is for (partition, start,
// key id); once the partition's watermark passes a window, no record looks it up again, so
// closed windows need no eviction.
//
// All state crosses in one control block of f64s at `ctl` (C_* below; runtime/core/
// pipeline-fold.ts mirrors the layout, test/core/pipeline-fold.layout.test.ts holds the two equal).
import * as status from "./status";
import { inMemory } from "./memory";
import { cursor, readVarint, readVarlong, varintFailed } from "./varint";
import {
  beginDocuments, documentErrorPosition, extractDocument, loadPaths, pathBits, walkDocument,
  DOC_OK, KIND_NUMBER, DocumentWalker, KIND_STRING, KIND_STRING_UNESCAPED, JSON_COLUMN_BYTES_PER_CELL,
} from "./json-extract";
import { walkMsgpack } from "./msgpack-extract";
import { feedField, WINDOW_FIELD_F64S } from "./window-accumulate";
import { sketchAddFinite } from "./quantile-sketch";
import { levelEnd, levelStart, topicLevel, topicMatchesFilter } from "./topic-filter";

// The control block (index of each f64).
export const C_RECORDS: i32 = 0;
export const C_RECORDS_LENGTH: i32 = 1;
export const C_RECORD_COUNT: i32 = 2;
export const C_BASE_TIMESTAMP: i32 = 3;
export const C_APPEND_TIME: i32 = 4;
export const C_MAX_TIMESTAMP: i32 = 5;
export const C_PARTITION: i32 = 6;
export const C_FORMAT: i32 = 7;
export const C_PATH_TABLE: i32 = 8;
export const C_PATH_COUNT: i32 = 9;
export const C_NAMES: i32 = 10;
export const C_NAMES_LENGTH: i32 = 11;
export const C_KEY_PATH: i32 = 12;
export const C_TIME_PATH: i32 = 13;
export const C_FIELD_PATH0: i32 = 14;
export const C_FIELD_COUNT: i32 = 15;
export const C_SIZE: i32 = 16;
export const C_ADVANCE: i32 = 17;
export const C_GRACE: i32 = 18;
export const C_CELLS: i32 = 19;
export const C_UNESCAPED: i32 = 20;
export const C_UNESCAPED_CAPACITY: i32 = 21;
export const C_KEY_SLOTS: i32 = 22;
export const C_KEY_SLOT_CAPACITY: i32 = 23;
export const C_KEY_ARENA: i32 = 24;
export const C_KEY_ARENA_CAPACITY: i32 = 25;
export const C_KEY_ARENA_USED: i32 = 26;
export const C_KEY_COUNT: i32 = 27;
export const C_WINDOW_SLOTS: i32 = 28;
export const C_WINDOW_SLOT_CAPACITY: i32 = 29;
export const C_WINDOW_COUNT: i32 = 30;
export const C_STATE: i32 = 31;
export const C_SLOT_COUNT: i32 = 32;
export const C_SKETCHES: i32 = 33;
export const C_LIST: i32 = 34;
export const C_LIST_CAPACITY: i32 = 35;
export const C_LIST_COUNT: i32 = 36;
export const C_NEXT_RECORD: i32 = 37;
export const C_CURSOR: i32 = 38;
export const C_MAX_TIME: i32 = 39;
export const C_EVENTS: i32 = 40;
export const C_STOP_RECORD_END: i32 = 41;
export const C_STOP_TIME: i32 = 42;
export const C_STOP_KEY_ID: i32 = 43;
export const C_STOP_KEY_AT: i32 = 44;
export const C_STOP_KEY_LENGTH: i32 = 45;
export const C_DECIMAL: i32 = 46;
/** At a stop: the record's key/value position and length, timestamp, offset delta (6 f64s). */
export const C_STOP_RECORD: i32 = 48;
/** The group key is this level of the record key (the MQTT topic), or -1: the key path's value. */
export const C_KEY_LEVEL: i32 = 54;
/** An MQTT topic filter the record key must match (C_FILTER_LENGTH 0: none); others are skipped. */
export const C_FILTER: i32 = 55;
export const C_FILTER_LENGTH: i32 = 56;
/**
 * Free slots the host set aside (i32 each, taken from the end) and how many windows the kernel
 * may open with them (the partition's room under openWindowCountMax); each window it opens is
 * listed in C_OPENED as (start, key id, slot) f64 triples for the host to adopt. With no free
 * slot or no room left, a missing window stops the fold (FOLD_NEW_WINDOWS) as before.
 */
export const C_FREE_SLOTS: i32 = 57;
export const C_FREE_COUNT: i32 = 58;
export const C_OPEN_ROOM: i32 = 59;
export const C_OPENED: i32 = 60;
export const C_OPENED_COUNT: i32 = 61;
export const CONTROL_F64S: i32 = 64;

export const FOLD_DONE: i32 = 0;
export const FOLD_NEW_KEY: i32 = 1;
export const FOLD_NEW_WINDOWS: i32 = 2;

// A listed record (LIST_F64S f64s): index, what, detail, error position, time, watermark,
// key position, key length, value position, value length, timestamp, offset delta.
export const LIST_F64S: i32 = 12;
export const LIST_LATE: i32 = 0;
export const LIST_DOCUMENT: i32 = 1;
export const LIST_TIME: i32 = 2;
/** detail = field index * 16 + kind. */
export const LIST_FIELD: i32 = 3;
export const LIST_KEY: i32 = 4;
/** A MessagePack float as the group key (detail unused). */
export const LIST_KEY_FLOAT: i32 = 5;
/** A record key (MQTT topic) without the key's level, or no record key (detail unused). */
export const LIST_KEY_LEVEL: i32 = 6;

/**
 * Bytes per key cache row: hash u32, arena offset i32, length i32, id i32, then the key's latest
 * window as the window cache has it (start f64, partition i32, slot + 1 i32; 0: none), so the
 * usual record (a key's current tumbling window) costs one cache row, not two. Bytes per window
 * cache entry.
 */
export const KEY_ROW_BYTES: i32 = 32;
export const WINDOW_ENTRY_BYTES: i32 = 24;
export const DECIMAL_BYTES: i32 = 24;

// @ts-ignore: decorator
@inline
function get(ctl: usize, i: i32): f64 {
  return load<f64>(ctl + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
function set(ctl: usize, i: i32, v: f64): void {
  store<f64>(ctl + (<usize>i << 3), v);
}

// @ts-ignore: decorator
@inline
function at(ctl: usize, i: i32): usize {
  return <usize>get(ctl, i);
}

/** A hash of the key's bytes, 4 at a time (never 0, so 0 marks an empty cache row). */
function hashBytes(p: usize, length: usize): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>length;
  let i: usize = 0;
  for (; i + 4 <= length; i += 4) h = rotl<u32>((h ^ load<u32>(p + i)) * 0x01000193, 13) * 5 + 0xe6546b64;
  for (; i < length; i++) h = (h ^ <u32>load<u8>(p + i)) * 0x01000193;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  return h | 1;
}

function sameBytes(a: usize, b: usize, length: usize): bool {
  let i: usize = 0;
  for (; i + 8 <= length; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
  for (; i < length; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

/** The key cache (KEY_SLOTS, rows of KEY_ROW_BYTES; hash 0 = empty): the key's row, or 0. */
function keyLookup(ctl: usize, p: usize, length: usize, h: u32): usize {
  const rows = at(ctl, C_KEY_SLOTS);
  const mask = at(ctl, C_KEY_SLOT_CAPACITY) - 1;
  const arena = at(ctl, C_KEY_ARENA);
  for (let s = <usize>h & mask; ; s = (s + 1) & mask) {
    const row = rows + s * <usize>KEY_ROW_BYTES;
    const rh = load<u32>(row);
    if (rh == 0) return 0;
    if (rh == h && <usize>load<i32>(row, 8) == length && sameBytes(arena + <usize>load<i32>(row, 4), p, length)) return row;
  }
  return 0;
}

/**
 * Adds a key with the host's id. Returns 0, or ERR_WINDOW_ARGUMENTS when the cache is past half
 * full or the arena is out of room (the host sizes both before it calls).
 */
export function pipelineKeyPut(ctl: usize, p: usize, length: usize, id: i32): i32 {
  if (!inMemory(ctl, <u64>CONTROL_F64S << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const capacity = at(ctl, C_KEY_SLOT_CAPACITY);
  const used = at(ctl, C_KEY_ARENA_USED);
  if (!inMemory(p, length) || (at(ctl, C_KEY_COUNT) + 1) * 2 > capacity || used + length > at(ctl, C_KEY_ARENA_CAPACITY)) return status.ERR_WINDOW_ARGUMENTS;
  if (!inMemory(at(ctl, C_KEY_SLOTS), <u64>capacity * <u64>KEY_ROW_BYTES) || !inMemory(at(ctl, C_KEY_ARENA), <u64>used + length)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const h = hashBytes(p, length);
  const rows = at(ctl, C_KEY_SLOTS);
  const mask = capacity - 1;
  let s = <usize>h & mask;
  while (load<u32>(rows + s * <usize>KEY_ROW_BYTES) != 0) s = (s + 1) & mask;
  const row = rows + s * <usize>KEY_ROW_BYTES;
  memory.copy(at(ctl, C_KEY_ARENA) + used, p, length);
  store<u32>(row, h);
  store<i32>(row, <i32>used, 4);
  store<i32>(row, <i32>length, 8);
  store<i32>(row, id, 12);
  store<i32>(row, 0, 28); // no window yet
  set(ctl, C_KEY_ARENA_USED, <f64>(used + length));
  set(ctl, C_KEY_COUNT, get(ctl, C_KEY_COUNT) + 1);
  return 0;
}

// @ts-ignore: decorator
@inline
function windowHash(partition: i32, start: f64, keyId: i32): u32 {
  const bits = reinterpret<u64>(start);
  let h = <u32>bits ^ (<u32>(bits >> 32) * 0x9e3779b1);
  h = (h ^ <u32>keyId) * 0x85ebca77;
  h = (h ^ <u32>partition) * 0xc2b2ae3d;
  return h ^ (h >> 15);
}

/** Keeps the key's latest window in its key cache row (KEY_ROW_BYTES). */
// @ts-ignore: decorator
@inline
function rememberWindow(keyRow: usize, partition: i32, start: f64, slot: i32): void {
  store<f64>(keyRow, start, 16);
  store<i32>(keyRow, partition, 24);
  store<i32>(keyRow, slot + 1, 28);
}

/** The window cache: rows of (start f64, key id i32, partition i32, slot + 1 i32, pad). Returns the slot or -1. */
function windowLookup(ctl: usize, partition: i32, start: f64, keyId: i32): i32 {
  const rows = at(ctl, C_WINDOW_SLOTS);
  const mask = at(ctl, C_WINDOW_SLOT_CAPACITY) - 1;
  for (let s = <usize>windowHash(partition, start, keyId) & mask; ; s = (s + 1) & mask) {
    const row = rows + s * <usize>WINDOW_ENTRY_BYTES;
    const slot = load<i32>(row, 16);
    if (slot == 0) return -1;
    if (load<f64>(row) == start && load<i32>(row, 8) == keyId && load<i32>(row, 12) == partition) return slot - 1;
  }
  return -1;
}

/** Adds (partition, start, key id) → slot; ERR_WINDOW_ARGUMENTS past half full (the host clears or grows first). */
export function pipelineWindowPut(ctl: usize, partition: i32, start: f64, keyId: i32, slot: i32): i32 {
  if (!inMemory(ctl, <u64>CONTROL_F64S << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const capacity = at(ctl, C_WINDOW_SLOT_CAPACITY);
  if ((at(ctl, C_WINDOW_COUNT) + 1) * 2 > capacity || slot < 0) return status.ERR_WINDOW_ARGUMENTS;
  if (!inMemory(at(ctl, C_WINDOW_SLOTS), <u64>capacity * <u64>WINDOW_ENTRY_BYTES)) return status.ERR_REGION_OUT_OF_BOUNDS;
  windowPut(ctl, partition, start, keyId, slot);
  return 0;
}

/** pipelineWindowPut once checked (the cache has room). */
function windowPut(ctl: usize, partition: i32, start: f64, keyId: i32, slot: i32): void {
  const rows = at(ctl, C_WINDOW_SLOTS);
  const mask = at(ctl, C_WINDOW_SLOT_CAPACITY) - 1;
  let s = <usize>windowHash(partition, start, keyId) & mask;
  while (load<i32>(rows + s * <usize>WINDOW_ENTRY_BYTES, 16) != 0) s = (s + 1) & mask;
  const row = rows + s * <usize>WINDOW_ENTRY_BYTES;
  store<f64>(row, start);
  store<i32>(row, keyId, 8);
  store<i32>(row, partition, 12);
  store<i32>(row, slot + 1, 16);
  set(ctl, C_WINDOW_COUNT, get(ctl, C_WINDOW_COUNT) + 1);
}

/** Whether `count` windows can be opened here: free slots, room under the bound, cache room. */
function canOpen(ctl: usize, count: i32): bool {
  return <f64>count <= get(ctl, C_FREE_COUNT) && <f64>count <= get(ctl, C_OPEN_ROOM)
    && (get(ctl, C_WINDOW_COUNT) + <f64>count) * 2 <= get(ctl, C_WINDOW_SLOT_CAPACITY);
}

/** Opens window `start` of the key with a free slot the host set aside (canOpen said so): cached and listed for the host. */
function openWindow(ctl: usize, partition: i32, start: f64, keyId: i32): i32 {
  const free = <i32>get(ctl, C_FREE_COUNT);
  const room = get(ctl, C_OPEN_ROOM);
  const slot = load<i32>(at(ctl, C_FREE_SLOTS) + (<usize>(free - 1) << 2));
  set(ctl, C_FREE_COUNT, <f64>(free - 1));
  set(ctl, C_OPEN_ROOM, room - 1);
  windowPut(ctl, partition, start, keyId, slot);
  const opened = <i32>get(ctl, C_OPENED_COUNT);
  const row = at(ctl, C_OPENED) + (<usize>opened * 3 << 3);
  store<f64>(row, start);
  store<f64>(row, <f64>keyId, 8);
  store<f64>(row, <f64>slot, 16);
  set(ctl, C_OPENED_COUNT, <f64>(opened + 1));
  return slot;
}

/** Writes the decimal text of a MessagePack integer encoded at p into `out`; returns its length, or -1 for a float. */
function msgpackIntegerText(p: usize, out: usize): i32 {
  const c = <u32>load<u8>(p);
  let negative = false;
  let magnitude: u64 = 0;
  if (c < 0x80) magnitude = c;
  else if (c >= 0xe0) { negative = true; magnitude = <u64>(0x100 - c); }
  else if (c == 0xcc) magnitude = load<u8>(p + 1);
  else if (c == 0xcd) magnitude = bswap<u16>(load<u16>(p + 1));
  else if (c == 0xce) magnitude = bswap<u32>(load<u32>(p + 1));
  else if (c == 0xcf) magnitude = bswap<u64>(load<u64>(p + 1));
  else {
    let v: i64 = 0;
    if (c == 0xd0) v = load<i8>(p + 1);
    else if (c == 0xd1) v = <i16>bswap<u16>(load<u16>(p + 1));
    else if (c == 0xd2) v = <i32>bswap<u32>(load<u32>(p + 1));
    else if (c == 0xd3) v = <i64>bswap<u64>(load<u64>(p + 1));
    else return -1;
    negative = v < 0;
    magnitude = negative ? <u64>0 - <u64>v : <u64>v;
  }
  // Digits backwards from the end of the scratch, then moved to its start.
  let q = out + <usize>DECIMAL_BYTES;
  do {
    q--;
    store<u8>(q, <u8>(0x30 + magnitude % 10));
    magnitude /= 10;
  } while (magnitude != 0);
  if (negative) store<u8>(--q, 0x2d);
  const length = out + <usize>DECIMAL_BYTES - q;
  memory.copy(out, q, length);
  return <i32>length;
}

let listAt: usize = 0;

/** Appends a listed record (the host routes it to late or the dead-letter topic). */
function list(ctl: usize, index: i32, what: i32, detail: i32, errorPosition: i32, time: f64, watermark: f64): void {
  const count = <i32>get(ctl, C_LIST_COUNT);
  const row = at(ctl, C_LIST) + (<usize>count * <usize>LIST_F64S << 3);
  store<f64>(row, <f64>index);
  store<f64>(row, <f64>what, 8);
  store<f64>(row, <f64>detail, 16);
  store<f64>(row, <f64>errorPosition, 24);
  store<f64>(row, time, 32);
  store<f64>(row, watermark, 40);
  memory.copy(row + 48, listAt, 48);
  set(ctl, C_LIST_COUNT, <f64>(count + 1));
}

/** The record being read: key/value position, length; timestamp; offset delta (f64s, the list's tail). */
const RECORD_INFO: usize = memory.data(48, 16);

/** Reads the record at `cursor` up to `end` into RECORD_INFO; returns its end, or 0 when malformed. */
function readRecord(end: usize, records: usize, baseTimestamp: f64, appendTime: bool, maxTimestamp: f64): usize {
  const length = readVarint(end);
  if (varintFailed || length < 1 || <u64>cursor + <u64>length > <u64>end) return 0;
  const recordEnd = cursor + <usize>length;
  cursor++; // attributes
  const timestampDelta = readVarlong(recordEnd);
  const offsetDelta = readVarint(recordEnd);
  const keyLength = readVarint(recordEnd);
  if (varintFailed || keyLength < -1 || (keyLength > 0 && <u64>cursor + <u64>keyLength > <u64>recordEnd)) return 0;
  const keyAt = cursor;
  if (keyLength > 0) cursor += <usize>keyLength;
  const valueLength = readVarint(recordEnd);
  if (varintFailed || valueLength < -1 || (valueLength > 0 && <u64>cursor + <u64>valueLength > <u64>recordEnd)) return 0;
  store<f64>(RECORD_INFO, <f64>(keyAt - records));
  store<f64>(RECORD_INFO, <f64>keyLength, 8);
  store<f64>(RECORD_INFO, <f64>(cursor - records), 16);
  store<f64>(RECORD_INFO, <f64>valueLength, 24);
  store<f64>(RECORD_INFO, appendTime ? maxTimestamp : baseTimestamp + <f64>timestampDelta, 32);
  store<f64>(RECORD_INFO, <f64>offsetDelta, 40);
  return recordEnd;
}

/** Up to this many windows per record (hopping size / advance; the config caps it at 64). */
const WINDOWS_MAX: i32 = 64;
const RECORD_SLOTS: usize = memory.data(WINDOWS_MAX * 4, 16);

/**
 * Folds records [C_NEXT_RECORD, C_RECORD_COUNT) starting at C_CURSOR. Returns FOLD_DONE, or
 * FOLD_NEW_KEY / FOLD_NEW_WINDOWS with C_NEXT_RECORD at the record that needs the host (C_STOP_*
 * say what), or a negative status (a malformed records section, or misshaped regions).
 */
export function pipelineFold(ctl: usize): i32 {
  if (!inMemory(ctl, <u64>CONTROL_F64S << 3)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const records = at(ctl, C_RECORDS);
  const end = records + at(ctl, C_RECORDS_LENGTH);
  const count = <i32>get(ctl, C_RECORD_COUNT);
  const pathCount = <i32>get(ctl, C_PATH_COUNT);
  const fieldCount = <i32>get(ctl, C_FIELD_COUNT);
  const slotCount = <u32>get(ctl, C_SLOT_COUNT);
  const cells = at(ctl, C_CELLS);
  const unescaped = at(ctl, C_UNESCAPED);
  const unescapedCapacity = at(ctl, C_UNESCAPED_CAPACITY);
  const stride = (<usize>1 + <usize>fieldCount * <usize>WINDOW_FIELD_F64S) << 3;
  const state = at(ctl, C_STATE);
  const sketches = at(ctl, C_SKETCHES);
  if (!inMemory(records, <u64>(end - records)) || !inMemory(cells, <u64>pathCount * JSON_COLUMN_BYTES_PER_CELL + 8)
    || !inMemory(unescaped, unescapedCapacity) || !inMemory(state, <u64>slotCount * <u64>stride)
    || (sketches != 0 && !inMemory(sketches, (<u64>slotCount * <u64>fieldCount) << 2))
    || !inMemory(at(ctl, C_LIST), (<u64>count * <u64>LIST_F64S) << 3)
    || !inMemory(at(ctl, C_KEY_SLOTS), <u64>at(ctl, C_KEY_SLOT_CAPACITY) * <u64>KEY_ROW_BYTES)
    || !inMemory(at(ctl, C_KEY_ARENA), <u64>at(ctl, C_KEY_ARENA_CAPACITY))
    || !inMemory(at(ctl, C_WINDOW_SLOTS), <u64>at(ctl, C_WINDOW_SLOT_CAPACITY) * <u64>WINDOW_ENTRY_BYTES)
    || !inMemory(at(ctl, C_DECIMAL), <u64>DECIMAL_BYTES)
    || !inMemory(at(ctl, C_FILTER), <u64>at(ctl, C_FILTER_LENGTH))
    || !inMemory(at(ctl, C_FREE_SLOTS), <u64>at(ctl, C_FREE_COUNT) << 2)
    || !inMemory(at(ctl, C_OPENED), (<u64>(at(ctl, C_OPENED_COUNT) + at(ctl, C_FREE_COUNT)) * 3) << 3)) {
    return status.ERR_REGION_OUT_OF_BOUNDS;
  }
  if (fieldCount < 0 || fieldCount > 64 || pathCount < 1 || unescapedCapacity < end - records) return status.ERR_WINDOW_ARGUMENTS;
  for (let f: usize = 0; f < at(ctl, C_FREE_COUNT); f++) {
    if (<u32>load<i32>(at(ctl, C_FREE_SLOTS) + (f << 2)) >= slotCount) return status.ERR_WINDOW_ARGUMENTS;
  }
  if (!loadPaths(at(ctl, C_PATH_TABLE), pathCount, at(ctl, C_NAMES), at(ctl, C_NAMES_LENGTH))) return status.ERR_JSON_ARGUMENTS;
  const msgpack = get(ctl, C_FORMAT) == 1;
  const walk: DocumentWalker = msgpack ? walkMsgpack : walkDocument;
  const allPaths = pathBits(pathCount);
  const keyPath = <i32>get(ctl, C_KEY_PATH);
  const keyLevel = <i32>get(ctl, C_KEY_LEVEL);
  const filter = at(ctl, C_FILTER);
  const filterLength = at(ctl, C_FILTER_LENGTH);
  const timePath = <i32>get(ctl, C_TIME_PATH);
  const fieldPath0 = <i32>get(ctl, C_FIELD_PATH0);
  const size = get(ctl, C_SIZE);
  const advance = get(ctl, C_ADVANCE);
  const grace = get(ctl, C_GRACE);
  const perRecord = <i32>(size / advance);
  if (perRecord < 1 || perRecord > WINDOWS_MAX || (keyPath < 0) == (keyLevel < 0)) return status.ERR_WINDOW_ARGUMENTS;
  const partition = <i32>get(ctl, C_PARTITION);
  const baseTimestamp = get(ctl, C_BASE_TIMESTAMP);
  const appendTime = get(ctl, C_APPEND_TIME) != 0;
  const maxTimestamp = get(ctl, C_MAX_TIMESTAMP);
  const decimal = at(ctl, C_DECIMAL);
  const outNumber = cells;
  const outKind = cells + (<usize>pathCount << 3);
  const outPosition = outKind + (<usize>pathCount << 2);
  const outLength = outPosition + (<usize>pathCount << 2);
  let maxTime = get(ctl, C_MAX_TIME);
  let events = get(ctl, C_EVENTS);
  let p = at(ctl, C_CURSOR);
  let result = FOLD_DONE;
  listAt = RECORD_INFO;
  let i = <i32>get(ctl, C_NEXT_RECORD);
  for (; i < count; i++) {
    if (p < records || p >= end) return status.ERR_RECORD_COUNT_MISMATCH;
    cursor = p;
    varintFailed = false;
    const recordEnd = readRecord(end, records, baseTimestamp, appendTime, maxTimestamp);
    if (recordEnd == 0) return status.ERR_RECORD_LENGTH;
    const recordKeyAt = records + <usize>load<f64>(RECORD_INFO);
    const recordKeyLength = <i32>load<f64>(RECORD_INFO, 8);
    if (filterLength != 0 && (recordKeyLength < 0 || !topicMatchesFilter(recordKeyAt, <usize>recordKeyLength, filter, filterLength))) {
      p = recordEnd; // not the pipeline's: neither counted nor dead-lettered
      continue;
    }
    beginDocuments(records, 1, cells, pathCount, unescaped, unescapedCapacity);
    const doc = extractDocument(0, <i32>load<f64>(RECORD_INFO, 16), <i32>load<f64>(RECORD_INFO, 24), allPaths, walk);
    if (doc < 0) return doc;
    const timestamp = load<f64>(RECORD_INFO, 32);
    if (doc != DOC_OK) {
      list(ctl, i, LIST_DOCUMENT, doc, documentErrorPosition, timestamp, 0);
      p = recordEnd;
      continue;
    }
    let t = timestamp;
    if (timePath >= 0) {
      const kind = load<i32>(outKind + (<usize>timePath << 2));
      t = load<f64>(outNumber + (<usize>timePath << 3));
      if (kind != KIND_NUMBER || !isFinite(t)) {
        list(ctl, i, LIST_TIME, kind, -1, timestamp, 0);
        p = recordEnd;
        continue;
      }
    }
    let bad = -1;
    for (let f = 0; f < fieldCount; f++) {
      const path = <usize>(fieldPath0 + f);
      if (load<i32>(outKind + (path << 2)) != KIND_NUMBER || !isFinite(load<f64>(outNumber + (path << 3)))) {
        bad = f;
        break;
      }
    }
    if (bad >= 0) {
      list(ctl, i, LIST_FIELD, bad * 16 + load<i32>(outKind + (<usize>(fieldPath0 + bad) << 2)), -1, timestamp, 0);
      p = recordEnd;
      continue;
    }
    // The group key's bytes.
    const keyKind = keyLevel >= 0 ? KIND_STRING : load<i32>(outKind + (<usize>keyPath << 2));
    let keyAt: usize = keyLevel >= 0 ? 0 : records + <usize>load<i32>(outPosition + (<usize>keyPath << 2));
    let keyLength: usize = keyLevel >= 0 ? 0 : <usize>load<i32>(outLength + (<usize>keyPath << 2));
    if (keyLevel >= 0) {
      if (recordKeyLength < 0 || !topicLevel(recordKeyAt, <usize>recordKeyLength, keyLevel)) {
        list(ctl, i, LIST_KEY_LEVEL, 0, -1, timestamp, 0);
        p = recordEnd;
        continue;
      }
      keyAt = levelStart;
      keyLength = levelEnd - levelStart;
    } else if (keyKind == KIND_STRING_UNESCAPED) {
      keyAt = unescaped + <usize>load<i32>(outPosition + (<usize>keyPath << 2));
    } else if (keyKind == KIND_NUMBER && msgpack) {
      const length = msgpackIntegerText(keyAt, decimal);
      if (length < 0) {
        list(ctl, i, LIST_KEY_FLOAT, keyKind, -1, timestamp, 0);
        p = recordEnd;
        continue;
      }
      keyAt = decimal;
      keyLength = <usize>length;
    } else if (keyKind != KIND_STRING && keyKind != KIND_NUMBER) {
      list(ctl, i, LIST_KEY, keyKind, -1, timestamp, 0);
      p = recordEnd;
      continue;
    }
    const keyRow = keyLookup(ctl, keyAt, keyLength, hashBytes(keyAt, keyLength));
    if (keyRow == 0) {
      set(ctl, C_STOP_KEY_AT, <f64>keyAt);
      set(ctl, C_STOP_KEY_LENGTH, <f64>keyLength);
      result = FOLD_NEW_KEY;
      break;
    }
    const keyId = load<i32>(keyRow, 12);
    // Windows [s, s + size) with s aligned to advance and s <= t < s + size, oldest first. A
    // window the watermark passed is never looked up, so a cached slot is never a closed one's.
    const watermark = maxTime - grace;
    const last = Math.floor(t / advance) * advance;
    const first = last - size + advance;
    let open = 0;
    let unopened = 0;
    let missing = false;
    for (let s = first; s <= last; s += advance) {
      if (s + size <= watermark) continue;
      let slot: i32 = -1;
      if (s == last && load<i32>(keyRow, 28) != 0 && load<f64>(keyRow, 16) == s && load<i32>(keyRow, 24) == partition) {
        slot = load<i32>(keyRow, 28) - 1;
      } else {
        slot = windowLookup(ctl, partition, s, keyId);
        if (slot >= 0 && s == last) rememberWindow(keyRow, partition, s, slot);
      }
      if (slot < 0) unopened++;
      else if (<u32>slot >= slotCount) missing = true;
      store<i32>(RECORD_SLOTS + (<usize>open << 2), slot);
      open++;
    }
    // The record's windows the cache does not hold are not open: all of them are opened here
    // from the slots set aside (checked on entry), or none (the host then opens them, or refuses
    // the record whole).
    if (unopened > 0 && !missing) missing = !canOpen(ctl, unopened);
    if (unopened > 0 && !missing) {
      let w = 0;
      for (let s = first; s <= last; s += advance) {
        if (s + size <= watermark) continue;
        if (load<i32>(RECORD_SLOTS + (<usize>w << 2)) < 0) {
          const slot = openWindow(ctl, partition, s, keyId);
          store<i32>(RECORD_SLOTS + (<usize>w << 2), slot);
          if (s == last) rememberWindow(keyRow, partition, s, slot);
        }
        w++;
      }
    }
    if (missing) {
      set(ctl, C_STOP_TIME, t);
      set(ctl, C_STOP_KEY_ID, <f64>keyId);
      result = FOLD_NEW_WINDOWS;
      break;
    }
    if (open == 0) {
      list(ctl, i, LIST_LATE, 0, -1, t, watermark);
      p = recordEnd;
      continue;
    }
    for (let w = 0; w < open; w++) {
      const slot = <usize>load<i32>(RECORD_SLOTS + (<usize>w << 2));
      const base = state + slot * stride;
      const n = load<f64>(base) + 1;
      store<f64>(base, n);
      for (let f: usize = 0; f < <usize>fieldCount; f++) {
        const v = load<f64>(outNumber + ((<usize>fieldPath0 + f) << 3));
        feedField(base + 8 + f * (<usize>WINDOW_FIELD_F64S << 3), n == 1, n, v, t);
        if (sketches != 0) sketchAddFinite(<usize>load<i32>(sketches + ((slot * <usize>fieldCount + f) << 2)), v);
      }
    }
    events++;
    if (t > maxTime) maxTime = t;
    p = recordEnd;
  }
  if (result == FOLD_DONE && p != end) return status.ERR_RECORD_COUNT_MISMATCH;
  set(ctl, C_NEXT_RECORD, <f64>i);
  set(ctl, C_CURSOR, <f64>p);
  if (result != FOLD_DONE) {
    set(ctl, C_STOP_RECORD_END, <f64>readRecordEnd(p, end));
    memory.copy(ctl + (<usize>C_STOP_RECORD << 3), RECORD_INFO, 48);
  }
  set(ctl, C_MAX_TIME, maxTime);
  set(ctl, C_EVENTS, events);
  return result;
}

/** The end of the (already read) record at p. */
function readRecordEnd(p: usize, end: usize): usize {
  cursor = p;
  varintFailed = false;
  const length = readVarint(end);
  return cursor + <usize>length;
}
