// Binary LMDB keys, big-endian so that LMDB's byte order is (topic, partition, offset) order.
//
//   batch key:  | topicId u32 | partition u32 | baseOffset u64 |              16 bytes
//   time key:   | topicId u32 | partition u32 | maxTimestampMs u64 | baseOffset u64 |  24 bytes
//
// Topic ids are never reused, so a deleted topic's leftover keys can never be read as a new
// topic's data. Offsets and timestamps are below 2^53, so two u32 halves hold them exactly.

export const BATCH_KEY_BYTES = 16;
export const TIME_KEY_BYTES = 24;
const TWO_32 = 2 ** 32;

function writeU64(view: DataView, at: number, value: number): void {
  view.setUint32(at, Math.floor(value / TWO_32));
  view.setUint32(at + 4, value >>> 0);
}

function readU64(view: DataView, at: number): number {
  return view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
}

export function batchKey(topicId: number, partition: number, baseOffset: number): Buffer {
  const key = Buffer.allocUnsafe(BATCH_KEY_BYTES);
  const view = new DataView(key.buffer, key.byteOffset, BATCH_KEY_BYTES);
  view.setUint32(0, topicId);
  view.setUint32(4, partition);
  writeU64(view, 8, baseOffset);
  return key;
}

export function batchKeyOffset(key: Uint8Array): number {
  return readU64(new DataView(key.buffer, key.byteOffset, key.byteLength), 8);
}

/** A batch key's three parts (for walking the whole table, as `ledge verify` does). */
export function batchKeyParts(key: Uint8Array): { topicId: number; partition: number; baseOffset: number } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return { topicId: view.getUint32(0), partition: view.getUint32(4), baseOffset: readU64(view, 8) };
}

/** Timestamps before the epoch (or -1, "none") sort as 0. */
export function timeKey(topicId: number, partition: number, maxTimestampMs: number, baseOffset: number): Buffer {
  const key = Buffer.allocUnsafe(TIME_KEY_BYTES);
  const view = new DataView(key.buffer, key.byteOffset, TIME_KEY_BYTES);
  view.setUint32(0, topicId);
  view.setUint32(4, partition);
  writeU64(view, 8, Math.max(0, maxTimestampMs));
  writeU64(view, 16, baseOffset);
  return key;
}

export function timeKeyParts(key: Uint8Array): { maxTimestampMs: number; baseOffset: number } {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  return { maxTimestampMs: readU64(view, 8), baseOffset: readU64(view, 16) };
}

/** First key of a partition's range (inclusive) and the first key past it (exclusive). */
export function partitionBounds(topicId: number, partition: number, keyBytes: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(keyBytes);
  start.writeUInt32BE(topicId, 0);
  start.writeUInt32BE(partition, 4);
  const end = Buffer.alloc(keyBytes, 0xff);
  end.writeUInt32BE(topicId, 0);
  end.writeUInt32BE(partition, 4);
  return { start, end };
}

/** Every key of a topic, across partitions. */
export function topicBounds(topicId: number, keyBytes: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(keyBytes);
  start.writeUInt32BE(topicId, 0);
  const end = Buffer.alloc(keyBytes, 0xff);
  end.writeUInt32BE(topicId, 0);
  return { start, end };
}
