// The data that crosses runtime/core's surface. Offsets and timestamps are JS numbers:
// exact to 2^53, which a partition does not reach (285 years at 1M records/s).

/** Kafka's codec ids, stored in the low 3 bits of a batch's attributes. */
export const Compression = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionCodec = (typeof Compression)[keyof typeof Compression];
export type CompressionName = keyof typeof Compression;

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

/** A record to encode. Timestamps are epoch ms. */
export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: RecordHeader[];
  timestampMs: number;
}

/** Records to encode as columns, for callers that gather many small records (an MQTT ingest
 * batch): no object per record. Record i's key bytes then its value bytes lie back to back in
 * `data`, record after record, from offset 0. Only the first `count` entries are read, so the
 * arrays can be reused across batches. */
export interface RecordColumns {
  count: number;
  data: Uint8Array;
  /** Key length of each record; -1 = null key. */
  keyBytes: Int32Array;
  /** Value length of each record; -1 = null value. */
  valueBytes: Int32Array;
  /** Each record's headers (shared lists are fine: they are only read). Unused when headerCounts is given. */
  headers: ReadonlyArray<readonly RecordHeader[] | undefined>;
  timestampsMs: Float64Array;
  /**
   * Headers as bytes instead (what a decoded batch's columns give, with no string or object per
   * header): record i has headerCounts[i] headers, whose key bytes then value bytes follow its
   * value in `data`, header after header; headerLengths holds each header's key length and
   * value length (-1: null), in record order.
   */
  headerCounts?: Int32Array;
  headerLengths?: Int32Array;
}

export interface BatchOptions {
  compression?: CompressionCodec;
  producerId?: number;       // -1 when not idempotent (default)
  producerEpoch?: number;    // -1 default
  baseSequence?: number;     // -1 default
  baseOffset?: number;       // 0 default (what clients send)
  partitionLeaderEpoch?: number; // -1 default
  logAppendTime?: boolean;   // timestamp type bit
  transactional?: boolean;
  /** A control batch (transaction markers): only the log writes these, never a client. */
  control?: boolean;
}

declare const encodedByCore: unique symbol;

/**
 * A RecordBatch v2 that runtime/core's encoder wrote (encodeBatch, encodeBatchColumns): its
 * framing, CRC and records are right by construction, so the log takes it without walking it
 * again (Log.appendEncoded). The brand exists only for the compiler, so nothing but the encoders
 * can make one; bytes changed after encoding are no longer what the brand promises.
 */
export type EncodedBatch = Uint8Array & { readonly [encodedByCore]: true };

/** The 61-byte RecordBatch v2 header, decoded. */
export interface BatchHeader {
  baseOffset: number;
  batchLength: number;       // bytes after the first 12
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionCodec;
  logAppendTime: boolean;
  transactional: boolean;
  control: boolean;
  lastOffsetDelta: number;
  baseTimestampMs: number;
  maxTimestampMs: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** A decoded record. key/value are views into a buffer owned by the decode result. */
export interface DecodedRecord {
  offset: number;
  timestampMs: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}
