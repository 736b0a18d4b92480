// Re-batching a stored batch's records: into groups (the upstream partition each record's key
// hashes to), and into pieces no larger than a byte bound (an upstream max.message.bytes). The
// records are decoded once into columns in wasm and each piece is encoded from columns by the
// wasm encoder: no object per record (headers only, where a record has them).
import { decodeBatchColumns, type BatchColumns } from "./batch-decode.ts";
import { encodeBatchColumns } from "./batch-encode.ts";
import type { BatchOptions, EncodedBatch, RecordColumns, RecordHeader } from "./types.ts";

/** Per-record framing in the worst case (varints, attributes): what a piece's budget reserves. */
const RECORD_OVERHEAD_BYTES = 32;
const PIECE_OVERHEAD_BYTES = 61 + 64;

export interface BatchPiece {
  /** What `groupOf` said for its records (0 without one). */
  group: number;
  batch: EncodedBatch;
  records: number;
}

export interface RegroupOptions {
  /** The group of record `i` from its key (null: no key); pieces never mix groups. */
  groupOf?: (key: Uint8Array | null, index: number) => number;
  /** No piece above this many bytes, unless one record alone is larger (it goes alone). */
  pieceBytesMax: number;
  /** Header fields of every piece (codec, producer fields are the caller's to stamp later). */
  options?: BatchOptions;
}

/**
 * `batch`'s records in pieces, in record order within each group; timestamps, keys, values and
 * headers kept, offsets renumbered from 0 in each piece. Compressed pieces are measured before
 * compression, so they stay under the bound.
 */
export function regroupBatch(batch: Uint8Array, o: RegroupOptions): BatchPiece[] {
  const cols = decodeBatchColumns(batch);
  const n = cols.count;
  const groups = new Int32Array(n);
  if (o.groupOf) {
    for (let i = 0; i < n; i++) {
      const len = cols.keyLength[i];
      groups[i] = o.groupOf(len < 0 ? null : cols.records.subarray(cols.keyPosition[i], cols.keyPosition[i] + len), i);
    }
  }
  const pieces: BatchPiece[] = [];
  const order = [...new Set(groups)];
  const members = new Int32Array(n);
  for (const group of order) {
    let count = 0;
    for (let i = 0; i < n; i++) if (groups[i] === group) members[count++] = i;
    let start = 0;
    while (start < count) {
      let bytes = PIECE_OVERHEAD_BYTES;
      let end = start;
      while (end < count) {
        const size = recordBytes(cols, members[end]);
        if (end > start && bytes + size > o.pieceBytesMax) break;
        bytes += size;
        end++;
      }
      pieces.push({ group, batch: encodePiece(cols, members.subarray(start, end), o.options), records: end - start });
      start = end;
    }
  }
  return pieces;
}

function recordBytes(c: BatchColumns, i: number): number {
  let bytes = RECORD_OVERHEAD_BYTES + Math.max(c.keyLength[i], 0) + Math.max(c.valueLength[i], 0);
  for (let h = c.headerStart[i]; h < c.headerStart[i + 1]; h++) bytes += 10 + c.headerKeyLength[h] + Math.max(c.headerValueLength[h], 0);
  return bytes;
}

/** The records `which` (indexes into `c`) as one batch, laid out as encodeBatchColumns takes them. */
function encodePiece(c: BatchColumns, which: Int32Array, options: BatchOptions = {}): EncodedBatch {
  const count = which.length;
  let dataBytes = 0;
  for (const i of which) dataBytes += Math.max(c.keyLength[i], 0) + Math.max(c.valueLength[i], 0);
  const headers = new Array<readonly RecordHeader[] | undefined>(count);
  const columns: RecordColumns = {
    count, data: new Uint8Array(dataBytes), keyBytes: new Int32Array(count), valueBytes: new Int32Array(count),
    headers, timestampsMs: new Float64Array(count),
  };
  const base = c.header.baseTimestampMs;
  let at = 0;
  for (let j = 0; j < count; j++) {
    const i = which[j];
    const kl = c.keyLength[i];
    const vl = c.valueLength[i];
    columns.keyBytes[j] = kl;
    columns.valueBytes[j] = vl;
    if (kl > 0) columns.data.set(c.records.subarray(c.keyPosition[i], c.keyPosition[i] + kl), at);
    at += Math.max(kl, 0);
    if (vl > 0) columns.data.set(c.records.subarray(c.valuePosition[i], c.valuePosition[i] + vl), at);
    at += Math.max(vl, 0);
    columns.timestampsMs[j] = base + c.timestampDeltaMs[i];
    const h0 = c.headerStart[i];
    const h1 = c.headerStart[i + 1];
    if (h1 > h0) {
      const list: RecordHeader[] = [];
      for (let h = h0; h < h1; h++) {
        const key = utf8.decode(c.records.subarray(c.headerKeyPosition[h], c.headerKeyPosition[h] + c.headerKeyLength[h]));
        const vLen = c.headerValueLength[h];
        list.push({ key, value: vLen < 0 ? null : c.records.subarray(c.headerValuePosition[h], c.headerValuePosition[h] + vLen) });
      }
      headers[j] = list;
    }
  }
  return encodeBatchColumns(columns, { compression: c.header.compression, logAppendTime: c.header.logAppendTime, ...options });
}

const utf8 = new TextDecoder();
