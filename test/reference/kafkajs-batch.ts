// kafkajs 2.2.4's own RecordBatch v2 encoder and decoder, driven with ledge's record shapes:
// the byte-exact comparison for tests and the baseline for bench/core.ts.
import { createRequire } from "node:module";
import type { BatchOptions, RecordInput } from "../../runtime/core/index.ts";

const require = createRequire(import.meta.url);

interface KafkajsEncoder { buffer: Buffer }
const { RecordBatch } = require("kafkajs/src/protocol/recordBatch/v0") as {
  RecordBatch: (args: Record<string, unknown>) => Promise<KafkajsEncoder>;
};
const Record = require("kafkajs/src/protocol/recordBatch/record/v0") as (args: Record<string, unknown>) => KafkajsEncoder;
const decodeKafkajsBatch = require("kafkajs/src/protocol/recordBatch/v0/decoder") as (decoder: unknown) => Promise<KafkajsBatch>;
const Decoder = require("kafkajs/src/protocol/decoder") as new (buffer: Buffer) => unknown;
const Long = require("kafkajs/src/utils/long") as { fromValue(v: number): unknown };

export interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

export interface KafkajsBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KafkajsRecord[];
}

const asBuffer = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.length));

/** The kafkajs Record encoders for `records` (header keys must be distinct, values non-null). */
export function kafkajsRecords(records: RecordInput[]): KafkajsEncoder[] {
  const base = records[0].timestampMs;
  return records.map((r, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: r.timestampMs - base,
      key: asBuffer(r.key),
      value: asBuffer(r.value),
      headers: Object.fromEntries((r.headers ?? []).map((h) => [h.key, asBuffer(h.value)])),
    }),
  );
}

/** kafkajs's RecordBatch bytes for the same records and batch fields ledge encodes. */
export async function kafkajsEncodeBatch(records: RecordInput[], options: BatchOptions = {}): Promise<Buffer> {
  return kafkajsEncodePrepared(kafkajsRecords(records), records, options);
}

export async function kafkajsEncodePrepared(prepared: KafkajsEncoder[], records: RecordInput[], options: BatchOptions = {}): Promise<Buffer> {
  const timestamps = records.map((r) => r.timestampMs);
  const batch = await RecordBatch({
    compression: options.compression ?? 0,
    firstOffset: Long.fromValue(options.baseOffset ?? 0),
    firstTimestamp: timestamps[0],
    maxTimestamp: Math.max(...timestamps),
    partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
    lastOffsetDelta: records.length - 1,
    transactional: options.transactional ?? false,
    producerId: Long.fromValue(options.producerId ?? -1),
    producerEpoch: options.producerEpoch ?? -1,
    firstSequence: options.baseSequence ?? -1,
    records: prepared,
  });
  return batch.buffer;
}

/** Decodes one batch with kafkajs (it does not check the CRC). */
export async function kafkajsDecodeBatch(bytes: Uint8Array): Promise<KafkajsBatch> {
  return decodeKafkajsBatch(new Decoder(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)));
}

interface KafkajsCodec { compress(encoder: KafkajsEncoder): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> }

/** Registers kafkajs's snappy (kafkajs-snappy), lz4 (kafkajs-lz4) and a zstd codec once. kafkajs has
 * no zstd codec of its own; this one is libzstd through zstd-napi, the binding ledge uses. */
export function registerKafkajsCodecs(): void {
  const { CompressionTypes, CompressionCodecs } = require("kafkajs") as {
    CompressionTypes: Record<string, number>;
    CompressionCodecs: Record<number, () => KafkajsCodec>;
  };
  const snappy = require("kafkajs-snappy") as () => KafkajsCodec;
  const LZ4Codec = require("kafkajs-lz4") as new () => { codec: () => KafkajsCodec };
  const zstd = require("zstd-napi") as typeof import("zstd-napi");
  CompressionCodecs[CompressionTypes.Snappy] = snappy;
  CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: async (encoder) => zstd.compress(encoder.buffer, { compressionLevel: 3 }),
    decompress: async (buffer) => zstd.decompress(buffer),
  });
}
