// Finds the first record at or after a timestamp inside one stored batch, for ListOffsets.
// Uncompressed batches are walked record by record (only the length, attributes, timestamp
// delta and offset delta of each record are read); compressed ones are decoded by the core.
import { BATCH_HEADER_BYTES, decodeBatch, readBaseOffset, readBaseTimestampMs, readCompression, readRecordCount, Compression } from "../core/index.ts";

/** Reads a zigzag varint of up to 10 bytes at `at`; returns [value, next position] or null. */
function zigzag(bytes: Uint8Array, at: number): [number, number] | null {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (at + i >= bytes.byteLength) return null;
    const b = bytes[at + i];
    result += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) {
      const value = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return [value, at + i + 1];
    }
  }
  return null;
}

/** The first record of `batch` whose timestamp is >= timestampMs: its offset and timestamp. */
export function firstRecordAtOrAfter(batch: Uint8Array, timestampMs: number): { offset: number; timestampMs: number } | null {
  const base = readBaseOffset(batch);
  if (readCompression(batch) !== Compression.none) {
    for (const r of decodeBatch(batch).records) if (r.timestampMs >= timestampMs) return { offset: r.offset, timestampMs: r.timestampMs };
    return null;
  }
  const baseTimestampMs = readBaseTimestampMs(batch);
  const count = readRecordCount(batch);
  let at = BATCH_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const length = zigzag(batch, at);
    if (!length) return null;
    const bodyStart = length[1];
    const ts = zigzag(batch, bodyStart + 1); // skip the attributes byte
    if (!ts) return null;
    const delta = zigzag(batch, ts[1]);
    if (!delta) return null;
    if (baseTimestampMs + ts[0] >= timestampMs) return { offset: base + delta[0], timestampMs: baseTimestampMs + ts[0] };
    at = bodyStart + length[0];
  }
  return null;
}
