// Records over the admin API, for `ledge produce` / `ledge consume` and scripts: append a few
// records (acknowledged once durable, as any producer's), read a page of committed records from
// an offset, and commit a simple consumer group's offsets. Values travel as UTF-8 text; bytes
// that are not UTF-8 come as `valueBase64` (and `keyBase64`) instead.
import type { Log } from "../../runtime/log/index.ts";
import { LogError } from "../../runtime/log/errors.ts";
import { partitionForKey } from "../../runtime/log/partitioner.ts";
import { decodeBatch, encodeBatch, ReadCommittedFilter, ATTRIBUTE_CONTROL, readAttributes, readNextOffset, type RecordInput } from "../../runtime/core/index.ts";
import { ApiError } from "./errors.ts";

/** Records one GET returns at most (and the default). */
export const READ_RECORDS_MAX = 1000;
export const READ_RECORDS_DEFAULT = 100;
/** Bytes one GET reads from the log at most (whole batches; at least one). */
const READ_BYTES_MAX = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function text(bytes: Uint8Array | null, field: string): Record<string, string | null> {
  if (bytes === null) return { [field]: null };
  try {
    return { [field]: utf8.decode(bytes) };
  } catch {
    return { [`${field}Base64`]: Buffer.from(bytes).toString("base64") };
  }
}

function bad(message: string): ApiError {
  return new ApiError("LEDGE_ERR_API_BAD_REQUEST", message);
}

interface InRecord {
  partition: number;
  record: RecordInput;
}

function parseRecord(item: unknown, i: number, partitions: number, roundRobin: () => number): InRecord {
  if (item === null || typeof item !== "object" || Array.isArray(item)) throw bad(`records[${i}] must be an object {"key"?, "value", "headers"?, "partition"?}`);
  const r = item as Record<string, unknown>;
  if (r.key !== undefined && r.key !== null && typeof r.key !== "string") throw bad(`records[${i}].key must be a string or null`);
  const key = typeof r.key === "string" ? encoder.encode(r.key) : null;
  // A value that is not a string is stored as its JSON text.
  const value = r.value === undefined || r.value === null ? null : encoder.encode(typeof r.value === "string" ? r.value : JSON.stringify(r.value));
  const headers = Object.entries((r.headers ?? {}) as Record<string, unknown>).map(([k, v]) => {
    if (typeof v !== "string") throw bad(`records[${i}].headers.${k} must be a string`);
    return { key: k, value: encoder.encode(v) };
  });
  let partition: number;
  if (r.partition !== undefined) {
    if (!Number.isInteger(r.partition) || (r.partition as number) < 0 || (r.partition as number) >= partitions) {
      throw new LogError("LEDGE_ERR_UNKNOWN_PARTITION", `records[${i}].partition must be from 0 to ${partitions - 1}; found ${JSON.stringify(r.partition)}`);
    }
    partition = r.partition as number;
  } else partition = key ? partitionForKey(key, partitions) : roundRobin();
  return { partition, record: { key, value, headers, timestampMs: Date.now() } };
}

let nextRoundRobin = 0;

/** Appends `body.records` (one batch per partition); resolves with each record's offset once durable. */
export async function appendRecords(log: Log, topic: string, body: Record<string, unknown>): Promise<{ offsets: Array<{ partition: number; offset: number }> }> {
  const t = log.describeTopic(topic);
  if (!t) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `no topic '${topic}'`);
  if (!Array.isArray(body.records) || body.records.length === 0) throw bad('give {"records": [{"key": "k", "value": "v"}, ...]} with at least one record');
  const parsed = body.records.map((item, i) => parseRecord(item, i, t.partitions, () => nextRoundRobin++ % t.partitions));
  const byPartition = new Map<number, number[]>();
  parsed.forEach((p, i) => byPartition.set(p.partition, [...(byPartition.get(p.partition) ?? []), i]));
  const offsets = new Array<{ partition: number; offset: number }>(parsed.length);
  await Promise.all([...byPartition].map(async ([partition, indexes]) => {
    const { baseOffset } = await log.appendEncoded(topic, partition, encodeBatch(indexes.map((i) => parsed[i].record)));
    indexes.forEach((i, k) => (offsets[i] = { partition, offset: baseOffset + k }));
  }));
  return { offsets };
}

function intParam(params: URLSearchParams, name: string, fallback: number | undefined, min: number): number {
  const raw = params.get(name);
  if (raw === null) {
    if (fallback === undefined) throw bad(`give ?${name}=N`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw bad(`?${name} must be an integer of at least ${min}; found ${JSON.stringify(raw)}`);
  return n;
}

/** Up to `limit` committed records of one partition from `offset` (moved up to the log start),
 * from stored batches of about `bytesMax` at most (whole batches, at least one), as plain data,
 * and the offset to read from next. Aborted data and transaction markers are skipped, as a
 * read_committed consumer skips them. */
export function readPage(log: Log, topic: string, partition: number, offset: number, limit: number, bytesMax = READ_BYTES_MAX): { records: Array<Record<string, unknown>>; nextOffset: number; highWatermark: number } {
  const state = log.partitionState(topic, partition);
  offset = Math.max(offset, state.logStartOffset);
  const records: Array<Record<string, unknown>> = [];
  let bytes = 0;
  while (records.length < limit && bytes < bytesMax && offset < state.lastStableOffset) {
    const read = log.readCommitted(topic, partition, offset, bytesMax - bytes);
    bytes += read.totalBytes;
    if (read.batches.length === 0) break;
    const filter = new ReadCommittedFilter(read.abortedTransactions ?? []);
    for (const batch of read.batches) {
      const next = readNextOffset(batch);
      // Transaction markers and aborted data are not records a reader sees.
      if ((readAttributes(batch) & ATTRIBUTE_CONTROL) === 0 && filter.visible(batch)) {
        for (const r of decodeBatch(batch).records) {
          if (r.offset < offset || records.length >= limit) continue;
          records.push({
            partition, offset: r.offset, timestamp: r.timestampMs, ...text(r.key, "key"), ...text(r.value, "value"),
            headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString("utf8")])),
          });
        }
      }
      offset = records.length >= limit ? (records[records.length - 1].offset as number) + 1 : next;
      if (records.length >= limit) break;
    }
  }
  return { records, nextOffset: offset, highWatermark: state.highWatermark };
}

/** GET records: ?partition (0), ?offset (the log start), ?limit (100, at most 1,000). */
export function readRecords(log: Log, topic: string, params: URLSearchParams) {
  if (!log.describeTopic(topic)) throw new LogError("LEDGE_ERR_UNKNOWN_TOPIC", `no topic '${topic}'`);
  const partition = intParam(params, "partition", 0, 0);
  const limit = Math.min(intParam(params, "limit", READ_RECORDS_DEFAULT, 1), READ_RECORDS_MAX);
  const offset = intParam(params, "offset", 0, 0);
  return readPage(log, topic, partition, offset, limit);
}
