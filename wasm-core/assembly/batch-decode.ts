// Walks a RecordBatch v2 records section (uncompressed, or after the host decompressed it):
// checks every varint, length and header against the bounds, and optionally writes columns.
//
// Columns for `count` records at `columns` (RECORD_COLUMN_BYTES per record, + 4):
//   f64 timestampDelta[count] | i32 offsetDelta[count] | i32 keyPosition[count]
//   | i32 keyLength[count] | i32 valuePosition[count] | i32 valueLength[count]
//   | i32 headerStart[count + 1]      (headers of record i: headerStart[i] .. headerStart[i+1])
// Header columns for up to `headerCapacity` headers at `headerColumns`:
//   i32 keyPosition[cap] | i32 keyLength[cap] | i32 valuePosition[cap] | i32 valueLength[cap]
// Positions are relative to the records section; a length of -1 means null.
import * as status from "./status";
import { inMemory } from "./memory";
import { cursor, varintFailed, readVarint, readVarlong } from "./varint";

export const RECORD_COLUMN_BYTES: usize = 32;
export const HEADER_COLUMN_BYTES: usize = 16;
/** The smallest record: length, attributes, timestampDelta, offsetDelta, key, value, headerCount. */
export const RECORD_BYTES_MIN: i32 = 7;

/** Where the bytes of the field readField last read start. */
let fieldStart: usize = 0;

/** Reads one key/value length at `cursor` and skips the bytes; returns the length or a status. */
// @ts-ignore: decorator
@inline
function readField(recordEnd: usize, nullable: bool): i32 {
  const length = readVarint(recordEnd);
  if (varintFailed) return status.ERR_RECORD_VARINT;
  fieldStart = cursor;
  const lengthMin: i32 = nullable ? -1 : 0;
  if (lengthMin > length) return status.ERR_RECORD_FIELD_LENGTH;
  if (length > 0) {
    if (<u64>cursor + <u64>length > <u64>recordEnd) return status.ERR_RECORD_FIELD_LENGTH;
    cursor += <usize>length;
  }
  return length;
}

let headersSeen: i32 = 0;

/** Walks one record's headers; writes header columns below `headerCapacity`. */
function walkHeaders(recordEnd: usize, base: usize, headerColumns: usize, headerCapacity: i32): i32 {
  const count = readVarint(recordEnd);
  if (varintFailed) return status.ERR_RECORD_VARINT;
  if (count < 0) return status.ERR_RECORD_FIELD_LENGTH;
  // Each header takes at least 2 bytes, so this loop ends within the record's bytes.
  for (let h = 0; h < count; h++) {
    const keyLength = readField(recordEnd, false);
    if (keyLength < 0) return keyLength;
    const keyPosition = fieldStart;
    const valueLength = readField(recordEnd, true);
    if (valueLength < -1) return valueLength;
    const index = headersSeen++;
    if (headerColumns != 0 && index < headerCapacity) {
      const cap = <usize>headerCapacity << 2;
      const at = headerColumns + (<usize>index << 2);
      store<i32>(at, <i32>(keyPosition - base));
      store<i32>(at + cap, keyLength);
      store<i32>(at + 2 * cap, <i32>(fieldStart - base));
      store<i32>(at + 3 * cap, valueLength);
    }
  }
  return status.OK;
}

/** walkRecords flag: offsetDelta must equal the record's index (produce validation). */
export const WALK_STRICT_OFFSETS: i32 = 1;
/** walkRecords flag: every record must have a non-null key (compacted topics). */
export const WALK_REQUIRE_KEYS: i32 = 2;

/**
 * Walks `count` records in [ptr, ptr + length). With WALK_STRICT_OFFSETS in `flags`,
 * offsetDelta must equal the index; otherwise deltas must increase and stay <= lastOffsetDelta
 * (compacted batches have gaps). With WALK_REQUIRE_KEYS, a null key fails. Writes columns when `columns` != 0. Returns the total header count
 * (header columns hold the first `headerCapacity`; call again with more room if it is larger).
 */
export function walkRecords(
  ptr: usize, length: usize, count: i32, lastOffsetDelta: i32, flags: i32,
  columns: usize, headerColumns: usize, headerCapacity: i32,
): i32 {
  if (!inMemory(ptr, length) || count < 0 || headerCapacity < 0) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (columns != 0 && !inMemory(columns, <u64>count * RECORD_COLUMN_BYTES + 4)) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (headerColumns != 0 && !inMemory(headerColumns, <u64>headerCapacity * HEADER_COLUMN_BYTES)) {
    return status.ERR_REGION_OUT_OF_BOUNDS;
  }
  const end = ptr + length;
  cursor = ptr;
  varintFailed = false;
  headersSeen = 0;
  let previousDelta: i32 = -1;
  const strict = (flags & WALK_STRICT_OFFSETS) != 0;
  const requireKeys = (flags & WALK_REQUIRE_KEYS) != 0;
  for (let i = 0; i < count; i++) {
    if (cursor >= end) return status.ERR_RECORD_COUNT_MISMATCH;
    const recordLength = readVarint(end);
    if (varintFailed) return status.ERR_RECORD_VARINT;
    if (recordLength < 1 || <u64>cursor + <u64>recordLength > <u64>end) return status.ERR_RECORD_LENGTH;
    const recordEnd = cursor + <usize>recordLength;
    cursor++; // attributes: unused by Kafka, not checked by its broker either
    const timestampDelta = readVarlong(recordEnd);
    const offsetDelta = readVarint(recordEnd);
    if (varintFailed) return status.ERR_RECORD_VARINT;
    if (strict ? offsetDelta != i : offsetDelta <= previousDelta || offsetDelta > lastOffsetDelta) {
      return status.ERR_RECORD_OFFSET_DELTA;
    }
    previousDelta = offsetDelta;
    const keyLength = readField(recordEnd, true);
    if (keyLength < -1) return keyLength;
    if (requireKeys && keyLength < 0) return status.ERR_RECORD_KEY_MISSING;
    const keyPosition = fieldStart;
    const valueLength = readField(recordEnd, true);
    if (valueLength < -1) return valueLength;
    const valuePosition = fieldStart;
    if (columns != 0) {
      const n = <usize>count;
      const at = columns + (n << 3) + (<usize>i << 2);
      store<f64>(columns + (<usize>i << 3), <f64>timestampDelta);
      store<i32>(at, offsetDelta);
      store<i32>(at + (n << 2), <i32>(keyPosition - ptr));
      store<i32>(at + 2 * (n << 2), keyLength);
      store<i32>(at + 3 * (n << 2), <i32>(valuePosition - ptr));
      store<i32>(at + 4 * (n << 2), valueLength);
      store<i32>(at + 5 * (n << 2), headersSeen);
    }
    const rc = walkHeaders(recordEnd, ptr, headerColumns, headerCapacity);
    if (rc < 0) return rc;
    assert(cursor <= recordEnd, "a field was read past its record");
    if (cursor != recordEnd) return status.ERR_RECORD_LENGTH;
  }
  assert(cursor <= end, "a record was read past the section");
  if (cursor != end) return status.ERR_RECORD_COUNT_MISMATCH;
  if (columns != 0) store<i32>(columns + <usize>count * RECORD_COLUMN_BYTES, headersSeen);
  return headersSeen;
}
