// Re-batching a stored batch's records: into groups (the upstream partition each record's key
// hashes to), and into pieces no larger than a byte bound (an upstream max.message.bytes). The
// records are decoded once into columns in wasm and each piece is encoded from columns by the
// wasm encoder: no object per record or header, headers copied as bytes.
import { decodeBatchColumns, type BatchColumns } from "./batch-decode.ts";
import { encodeBatchColumns } from "./batch-encode.ts";
import type { BatchOptions, EncodedBatch, RecordColumns } from "./types.ts";

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
 * The records of `batches` (consecutive batches of one partition, or one batch) in pieces, in
 * record order within each group; timestamps, keys, values and headers kept, offsets renumbered
 * from 0 in each piece. Compressed pieces are measured before compression, so they stay under
 * the bound. Pieces take the first batch's codec and timestamp type unless `options` says.
 */
export function regroupBatch(batches: Uint8Array | readonly Uint8Array[], o: RegroupOptions): BatchPiece[] {
  const inputs = (batches instanceof Uint8Array ? [batches] : batches).map((b) => decodeBatchColumns(b));
  // Record r of the whole is record recordOf[r] of inputs[inputOf[r]].
  const n = inputs.reduce((sum, c) => sum + c.count, 0);
  const inputOf = new Int32Array(n);
  const recordOf = new Int32Array(n);
  for (let k = 0, r = 0; k < inputs.length; k++) {
    for (let i = 0; i < inputs[k].count; i++, r++) {
      inputOf[r] = k;
      recordOf[r] = i;
    }
  }
  const groups = new Int32Array(n);
  if (o.groupOf) {
    for (let r = 0; r < n; r++) {
      const c = inputs[inputOf[r]];
      const i = recordOf[r];
      const len = c.keyLength[i];
      groups[r] = o.groupOf(len < 0 ? null : c.records.subarray(c.keyPosition[i], c.keyPosition[i] + len), r);
    }
  }
  const pieces: BatchPiece[] = [];
  const order = [...new Set(groups)];
  const members = new Int32Array(n);
  for (const group of order) {
    let count = 0;
    for (let r = 0; r < n; r++) if (groups[r] === group) members[count++] = r;
    let start = 0;
    while (start < count) {
      let bytes = PIECE_OVERHEAD_BYTES;
      let end = start;
      while (end < count) {
        const size = recordBytes(inputs[inputOf[members[end]]], recordOf[members[end]]);
        if (end > start && bytes + size > o.pieceBytesMax) break;
        bytes += size;
        end++;
      }
      pieces.push({ group, batch: encodePiece(inputs, inputOf, recordOf, members.subarray(start, end), o.options), records: end - start });
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

/** The records `which` (indexes into the whole) as one batch, laid out as encodeBatchColumns
 * takes them: headers as bytes, copied from the input with their records (no string or object
 * per header: MQTT records carry three each). */
function encodePiece(inputs: BatchColumns[], inputOf: Int32Array, recordOf: Int32Array, which: Int32Array, options: BatchOptions = {}): EncodedBatch {
  const count = which.length;
  let dataBytes = 0;
  let headerCount = 0;
  for (const r of which) {
    const c = inputs[inputOf[r]];
    const i = recordOf[r];
    dataBytes += Math.max(c.keyLength[i], 0) + Math.max(c.valueLength[i], 0);
    for (let h = c.headerStart[i]; h < c.headerStart[i + 1]; h++) dataBytes += c.headerKeyLength[h] + Math.max(c.headerValueLength[h], 0);
    headerCount += c.headerStart[i + 1] - c.headerStart[i];
  }
  const columns: RecordColumns = {
    count, data: new Uint8Array(dataBytes), keyBytes: new Int32Array(count), valueBytes: new Int32Array(count),
    headers: [], timestampsMs: new Float64Array(count), headerCounts: new Int32Array(count), headerLengths: new Int32Array(headerCount * 2),
  };
  const { data, headerLengths } = columns;
  let at = 0;
  let l = 0;
  const copy = (src: Uint8Array, from: number, length: number) => {
    if (length > 32) data.set(src.subarray(from, from + length), at);
    else for (let k = 0; k < length; k++) data[at + k] = src[from + k]; // short: no view to make
    at += Math.max(length, 0);
  };
  for (let j = 0; j < count; j++) {
    const c = inputs[inputOf[which[j]]];
    const i = recordOf[which[j]];
    columns.keyBytes[j] = c.keyLength[i];
    columns.valueBytes[j] = c.valueLength[i];
    copy(c.records, c.keyPosition[i], c.keyLength[i]);
    copy(c.records, c.valuePosition[i], c.valueLength[i]);
    columns.timestampsMs[j] = c.header.baseTimestampMs + c.timestampDeltaMs[i];
    const h0 = c.headerStart[i];
    const h1 = c.headerStart[i + 1];
    columns.headerCounts![j] = h1 - h0;
    for (let h = h0; h < h1; h++) {
      headerLengths![l++] = c.headerKeyLength[h];
      headerLengths![l++] = c.headerValueLength[h];
      copy(c.records, c.headerKeyPosition[h], c.headerKeyLength[h]);
      copy(c.records, c.headerValuePosition[h], c.headerValueLength[h]);
    }
  }
  const first = inputs[0].header;
  return encodeBatchColumns(columns, { compression: first.compression, logAppendTime: first.logAppendTime, ...options });
}
