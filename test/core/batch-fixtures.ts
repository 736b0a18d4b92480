// Helpers for building well-formed and deliberately broken RecordBatch v2 bytes in tests.
import { encodeBatch, type BatchOptions, type RecordInput } from "../../runtime/core/index.ts";
import { crc32cReference } from "../reference/crc32c.ts";

export const utf8 = new TextEncoder();

/** Recomputes batchLength and the CRC (with the pure-JS reference) after a test edits bytes. */
export function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  view.setInt32(8, bytes.length - 12);
  view.setUint32(17, crc32cReference(bytes.subarray(21)));
  return bytes;
}

/** A batch whose records section is `records` verbatim, header from a real encode, CRC valid. */
export function batchAround(records: Uint8Array, count: number, options: BatchOptions = {}): Uint8Array {
  const header = encodeBatch([{ key: null, value: null, timestampMs: 1_700_000_000_000 }], options).subarray(0, 61);
  const bytes = new Uint8Array(61 + records.length);
  bytes.set(header);
  bytes.set(records, 61);
  const view = new DataView(bytes.buffer);
  view.setInt32(23, count - 1);
  view.setInt32(57, count);
  return reseal(bytes);
}

/** Zigzag varint bytes, for hand-built records. */
export function varint(value: number): number[] {
  let u = ((value << 1) ^ (value >> 31)) >>> 0;
  const out: number[] = [];
  while (u >= 0x80) {
    out.push((u & 0x7f) | 0x80);
    u >>>= 7;
  }
  out.push(u);
  return out;
}

/** One hand-built record: fields given as raw varint/byte arrays so tests can break any of them. */
export function rawRecord(body: number[]): number[] {
  return [...varint(body.length), ...body];
}

/** A plain, valid record body: attributes 0, timestampDelta 0, the offsetDelta, key, value, no headers. */
export function recordBody(offsetDelta: number, key: number[] | null, value: number[] | null, headers: number[][] = []): number[] {
  const field = (f: number[] | null) => (f === null ? varint(-1) : [...varint(f.length), ...f]);
  return [0, ...varint(0), ...varint(offsetDelta), ...field(key), ...field(value), ...varint(headers.length), ...headers.flat()];
}

export function randomRecords(count: number, valueBytes: number): RecordInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: utf8.encode(`device-${i % 17}`),
    value: utf8.encode(`{"t":${i},"v":${(i * 0.37).toFixed(2)}}`.padEnd(valueBytes, " ")),
    timestampMs: 1_700_000_000_000 + i,
    headers: i % 4 === 0 ? [{ key: "qos", value: utf8.encode("1") }] : [],
  }));
}
