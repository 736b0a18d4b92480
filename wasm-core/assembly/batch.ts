// Kafka RecordBatch v2 kernels: encode records (CRC fused), and walk/decode a records section.
//
// Header (61 bytes, big-endian; CRC-32C covers bytes [21, end)):
//
//  0            8            12                     16     17     21           23
//  +------------+------------+----------------------+------+------+------------+
//  | baseOffset | batchLength| partitionLeaderEpoch | magic| crc  | attributes |
//  |  i64       |  i32       |  i32                 |  i8  | u32  |  i16       |
//  +------------+------------+----------------------+------+------+------------+
//  23                27              35             43           51             53            57           61
//  +-----------------+---------------+--------------+------------+--------------+-------------+------------+
//  | lastOffsetDelta | baseTimestamp | maxTimestamp | producerId | producerEpoch| baseSequence| recordCount| records...
//  |  i32            |  i64          |  i64         |  i64       |  i16         |  i32        |  i32       |
//  +-----------------+---------------+--------------+------------+--------------+-------------+------------+
//
// Record (every integer a zigzag varint):
//   length | attributes i8 | timestampDelta varlong | offsetDelta | keyLength | key
//   | valueLength | value | headerCount | { keyLength | key | valueLength | value }*
//
// The host lays out a batch's records for encoding as three regions (no per-record calls):
//   descriptors: per record RECORD_DESC_BYTES = i32 keyLength (-1 null), i32 valueLength,
//                i32 headerCount, i32 timestampDelta low, i32 timestampDelta high
//   header descriptors: per header HEADER_DESC_BYTES = i32 keyLength, i32 valueLength (-1 null)
//   data: key, value, then each header's key and value, record after record
import * as status from "./status";
import { inMemory } from "./memory";
import { crc32cFold } from "./crc32c";
import {
  cursor, varintFailed, readVarint, readVarlong, varintBytes, varlongBytes, writeVarint, writeVarlong,
} from "./varint";

export const BASE_OFFSET_OFFSET: usize = 0;
export const BATCH_LENGTH_OFFSET: usize = 8;
export const PARTITION_LEADER_EPOCH_OFFSET: usize = 12;
export const MAGIC_OFFSET: usize = 16;
export const CRC_OFFSET: usize = 17;
export const ATTRIBUTES_OFFSET: usize = 21;
export const LAST_OFFSET_DELTA_OFFSET: usize = 23;
export const BASE_TIMESTAMP_OFFSET: usize = 27;
export const MAX_TIMESTAMP_OFFSET: usize = 35;
export const PRODUCER_ID_OFFSET: usize = 43;
export const PRODUCER_EPOCH_OFFSET: usize = 51;
export const BASE_SEQUENCE_OFFSET: usize = 53;
export const RECORD_COUNT_OFFSET: usize = 57;
export const BATCH_HEADER_BYTES: usize = 61;
/** batchLength counts the bytes after itself: the header's part of it. */
export const BATCH_LENGTH_PREFIX_BYTES: usize = 12;

if (RECORD_COUNT_OFFSET + 4 != BATCH_HEADER_BYTES) ERROR("record count must end the header");
if (BATCH_HEADER_BYTES != 61) ERROR("BATCH_HEADER_BYTES must be 61");
if (CRC_OFFSET + 4 != ATTRIBUTES_OFFSET) ERROR("the CRC must cover from attributes on");

export const RECORD_DESC_BYTES: usize = 20;
export const HEADER_DESC_BYTES: usize = 8;

/** Bytes a field of this length occupies (null, -1, occupies none). */
// @ts-ignore: decorator
@inline
function presentBytes(length: i32): usize {
  return length > 0 ? <usize>length : 0;
}

function fieldBytes(length: i32): u64 {
  return <u64>varintBytes(length) + <u64>presentBytes(length);
}

/** Body bytes (after the length varint) of one record, or -1 when its descriptors are bad. */
function recordBodyBytes(index: i32, desc: usize, headerDesc: usize): i64 {
  const keyLength = load<i32>(desc);
  const valueLength = load<i32>(desc, 4);
  const headerCount = load<i32>(desc, 8);
  const timestampDelta = (<i64>load<u32>(desc, 12)) | (<i64>load<i32>(desc, 16) << 32);
  if (keyLength < -1 || valueLength < -1 || headerCount < 0) return -1;
  let bytes: u64 = 1 + <u64>varlongBytes(timestampDelta) + <u64>varintBytes(index);
  bytes += fieldBytes(keyLength) + fieldBytes(valueLength) + <u64>varintBytes(headerCount);
  for (let h = 0; h < headerCount; h++) {
    const hk = load<i32>(headerDesc + <usize>h * HEADER_DESC_BYTES);
    const hv = load<i32>(headerDesc + <usize>h * HEADER_DESC_BYTES, 4);
    if (hk < 0 || hv < -1) return -1;
    bytes += fieldBytes(hk) + fieldBytes(hv);
  }
  return bytes > <u64>i32.MAX_VALUE ? -1 : <i64>bytes;
}

// @ts-ignore: decorator
@inline
function writeField(p: usize, src: usize, length: i32): usize {
  p = writeVarint(p, length);
  if (length > 0) memory.copy(p, src, <usize>length);
  return p + presentBytes(length);
}

let encodedEnd: usize = 0;
let encodedCrc: u32 = 0;

/** Writes `count` records at `out`; sets encodedEnd (and folds them into encodedCrc if fuseCrc). */
function writeRecords(
  out: usize, outEnd: usize, desc: usize, count: i32, headerDesc: usize, headerCount: i32,
  data: usize, dataEnd: usize, fuseCrc: bool,
): i32 {
  let p = out;
  let src = data;
  let h = headerDesc;
  const headerDescEnd = headerDesc + <usize>headerCount * HEADER_DESC_BYTES;
  let crc = encodedCrc;
  for (let i = 0; i < count; i++) {
    const d = desc + <usize>i * RECORD_DESC_BYTES;
    const headers = load<i32>(d, 8);
    if (headers < 0 || <u64>h + <u64>headers * HEADER_DESC_BYTES > <u64>headerDescEnd) return status.ERR_OUTPUT_TOO_SMALL;
    const body = recordBodyBytes(i, d, h);
    if (body < 0) return status.ERR_OUTPUT_TOO_SMALL;
    const total = <u64>varintBytes(<i32>body) + <u64>body;
    if (<u64>p + total > <u64>outEnd) return status.ERR_OUTPUT_TOO_SMALL;
    const start = p;
    p = writeVarint(p, <i32>body);
    store<u8>(p++, 0);
    p = writeVarlong(p, (<i64>load<u32>(d, 12)) | (<i64>load<i32>(d, 16) << 32));
    p = writeVarint(p, i);
    const keyLength = load<i32>(d);
    const valueLength = load<i32>(d, 4);
    if (<u64>src + <u64>presentBytes(keyLength) + <u64>presentBytes(valueLength) > <u64>dataEnd) {
      return status.ERR_OUTPUT_TOO_SMALL;
    }
    p = writeField(p, src, keyLength);
    src += presentBytes(keyLength);
    p = writeField(p, src, valueLength);
    src += presentBytes(valueLength);
    p = writeVarint(p, headers);
    for (let k = 0; k < headers; k++) {
      const hk = load<i32>(h);
      const hv = load<i32>(h, 4);
      if (<u64>src + <u64>hk + <u64>presentBytes(hv) > <u64>dataEnd) return status.ERR_OUTPUT_TOO_SMALL;
      p = writeField(p, src, hk);
      src += <usize>hk;
      p = writeField(p, src, hv);
      src += presentBytes(hv);
      h += HEADER_DESC_BYTES;
    }
    // Debug build only: the sizes computed up front are the bytes written.
    assert(<u64>(p - start) == total, "record bytes written differ from the computed size");
    assert(p <= outEnd, "record written past the output region");
    if (fuseCrc) crc = crc32cFold(crc, start, p - start);
  }
  encodedEnd = p;
  encodedCrc = crc;
  return status.OK;
}

// @ts-ignore: decorator
@inline
function encodeInputsInMemory(
  desc: usize, count: i32, headerDesc: usize, headerCount: i32, data: usize, dataLength: usize,
): bool {
  if (count < 0 || headerCount < 0) return false;
  return inMemory(desc, <u64>count * RECORD_DESC_BYTES) &&
    inMemory(headerDesc, <u64>headerCount * HEADER_DESC_BYTES) && inMemory(data, dataLength);
}

/**
 * Encodes a whole batch at `batch`: the host has written header bytes [0, 61) except
 * batchLength and crc; this writes the records, batchLength and the CRC (computed record by
 * record while the bytes are in cache). Returns the batch's total bytes.
 */
export function encodeBatchRecords(
  batch: usize, capacity: usize, desc: usize, count: i32, headerDesc: usize, headerCount: i32,
  data: usize, dataLength: usize,
): i32 {
  if (!inMemory(batch, capacity) || capacity < BATCH_HEADER_BYTES || capacity > <usize>i32.MAX_VALUE) {
    return status.ERR_REGION_OUT_OF_BOUNDS;
  }
  if (!encodeInputsInMemory(desc, count, headerDesc, headerCount, data, dataLength)) return status.ERR_REGION_OUT_OF_BOUNDS;
  encodedCrc = crc32cFold(0xffffffff, batch + ATTRIBUTES_OFFSET, BATCH_HEADER_BYTES - ATTRIBUTES_OFFSET);
  const rc = writeRecords(
    batch + BATCH_HEADER_BYTES, batch + capacity, desc, count, headerDesc, headerCount, data, data + dataLength, true,
  );
  if (rc < 0) return rc;
  const total = encodedEnd - batch;
  store<u32>(batch + BATCH_LENGTH_OFFSET, bswap<u32>(<u32>(total - BATCH_LENGTH_PREFIX_BYTES)));
  store<u32>(batch + CRC_OFFSET, bswap<u32>(~encodedCrc));
  return <i32>total;
}

/** Encodes only the records section at `out` (to be compressed by the host); returns its bytes. */
export function encodeRecords(
  out: usize, capacity: usize, desc: usize, count: i32, headerDesc: usize, headerCount: i32,
  data: usize, dataLength: usize,
): i32 {
  if (!inMemory(out, capacity) || capacity > <usize>i32.MAX_VALUE) return status.ERR_REGION_OUT_OF_BOUNDS;
  if (!encodeInputsInMemory(desc, count, headerDesc, headerCount, data, dataLength)) return status.ERR_REGION_OUT_OF_BOUNDS;
  const rc = writeRecords(out, out + capacity, desc, count, headerDesc, headerCount, data, data + dataLength, false);
  if (rc < 0) return rc;
  return <i32>(encodedEnd - out);
}
