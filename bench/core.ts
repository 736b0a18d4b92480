// `npm run bench -- core`: the wasm core's CRC-32C and RecordBatch kernels against their
// baselines, same data, same run (issue #2). LZ4 rows come from bench/lib/lz4.ts (part B).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { decodeBatch, encodeBatch, type RecordInput } from "../runtime/core/index.ts";
import { crc32c, crc32cWasm } from "../runtime/core/crc32c.ts";
import { workspace } from "../runtime/core/workspace.ts";
import { JsonFieldExtractor, JsonKind } from "../runtime/core/json-extract.ts";
import { telemetryLines } from "./lib/telemetry-lines.ts";
import { crc32cReference } from "../test/reference/crc32c.ts";
import { kafkajsDecodeBatch, kafkajsEncodeBatch } from "../test/reference/kafkajs-batch.ts";
import { medianRate, progress, result, type BenchResult } from "./lib/report.ts";

const RUNS = 7;
/** CRC runs are short; more of them steady the median on a loaded machine. */
const CRC_RUNS = 15;
const MB = 1e6;

type Work = () => number | Promise<number>;

async function rateOnce(fn: Work): Promise<number> {
  const t0 = process.hrtime.bigint();
  const units = await fn();
  return units / (Number(process.hrtime.bigint() - t0) / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Alternates ledge and baseline runs, so load from others on this shared machine drifts over
 * both alike; returns the median rate of each.
 */
async function paired(runs: number, ledge: Work, baseline: Work): Promise<[number, number]> {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    ours.push(await rateOnce(ledge));
    theirs.push(await rateOnce(baseline));
  }
  return [median(ours), median(theirs)];
}

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 2654435761) >>> 24;
  return out;
}

async function crcRows(): Promise<BenchResult[]> {
  progress("crc32c over 16 KiB buffers");
  const buffers = Array.from({ length: 64 }, (_, i) => randomBytes(16 * 1024 + i).subarray(i)); // 1 MiB, unaligned
  const bytesPerPass = buffers.reduce((n, b) => n + b.length, 0);
  const pass = (fn: (b: Uint8Array) => number) => () => {
    let x = 0;
    for (let r = 0; r < 48; r++) for (const b of buffers) x ^= fn(b);
    if (x === 0.5) throw new Error("unreachable");
    return 48 * bytesPerPass;
  };
  const [wasm, js] = (await paired(CRC_RUNS, pass(crc32cWasm), pass(crc32cReference))).map((r) => r / MB);
  const ws = workspace();
  const ptr = ws.input.write(buffers[0]);
  const kernel = medianRate(RUNS, () => {
    for (let r = 0; r < 1024; r++) ws.core.exports.crc32c(ptr, buffers[0].length);
    return 1024 * buffers[0].length;
  }) / MB;

  progress("crc32c on 64 KiB-1 MiB batches (validate's path vs @node-rs/crc32 directly)");
  const native = createRequire(import.meta.url)("@node-rs/crc32") as { crc32c(b: Uint8Array): number };
  const batches = [64, 128, 256, 512, 1024].map((k) => randomBytes(k * 1024 + 61));
  const batchBytes = batches.reduce((n, b) => n + b.length - 21, 0);
  const over = (fn: (b: Uint8Array) => number) => () => {
    for (let r = 0; r < 64; r++) for (const b of batches) fn(b.subarray(21));
    return 64 * batchBytes;
  };
  const [ours, direct] = (await paired(CRC_RUNS, over(crc32c), over((b) => native.crc32c(b)))).map((r) => r / MB);
  return [
    result({ name: "crc32c", unit: "MB/s", ledge: wasm, baseline: js, baselineName: "pure-JS slicing-by-8", target: 1.3,
      notes: `wasm incl. copy-in; kernel alone on data in wasm memory ${Math.round(kernel)} MB/s` }),
    result({ name: "crc32c-validate", unit: "MB/s", ledge: ours, baseline: direct, baselineName: "@node-rs/crc32 direct", target: 0.8 }),
  ];
}

function telemetryBatches(batchCount: number): RecordInput[][] {
  const utf8 = new TextEncoder();
  return Array.from({ length: batchCount }, (_, b) =>
    Array.from({ length: 100 }, (_, i) => ({
      key: utf8.encode(`sensors/dev-${(b * 100 + i) % 500}/telemetry`),
      value: utf8.encode(`{"t":${1_700_000_000_000 + i},"temp":${(20 + (i % 9) * 0.31).toFixed(2)},"hum":${40 + (i % 13)}}`.padEnd(100, " ")),
      timestampMs: 1_700_000_000_000 + b * 1000 + i,
    })),
  );
}

async function batchRows(): Promise<BenchResult[]> {
  const batches = telemetryBatches(400);
  const records = batches.length * 100;
  progress(`batch encode/decode: ${batches.length} batches x 100 records, 100-byte values`);
  // Warm both sides up first so neither pays the JIT (or the other's garbage) in its first runs.
  for (const b of batches.slice(0, 20)) {
    encodeBatch(b);
    decodeBatch(encodeBatch(b));
    await kafkajsDecodeBatch(await kafkajsEncodeBatch(b));
  }
  const [encode, kafkajsEncode] = await paired(
    RUNS,
    () => {
      for (const b of batches) encodeBatch(b);
      return records;
    },
    async () => {
      for (const b of batches) await kafkajsEncodeBatch(b);
      return records;
    },
  );
  const encoded = batches.map((b) => encodeBatch(b));
  const [decode, kafkajsDecode] = await paired(
    RUNS,
    () => {
      for (const bytes of encoded) decodeBatch(bytes);
      return records;
    },
    async () => {
      for (const bytes of encoded) await kafkajsDecodeBatch(bytes);
      return records;
    },
  );
  return [
    result({ name: "batch-encode", unit: "records/s", ledge: encode, baseline: kafkajsEncode, baselineName: "kafkajs RecordBatch", target: 3 }),
    result({ name: "batch-decode", unit: "records/s", ledge: decode, baseline: kafkajsDecode, baselineName: "kafkajs decoder", target: 3,
      notes: "ledge also checks the CRC; kafkajs does not" }),
  ];
}

/** The telemetry lines of bench/lib as documents: one buffer, positions and lengths (newlines left out). */
function telemetryDocuments(bytes: number): { bytes: Uint8Array; positions: Int32Array; lengths: Int32Array } {
  const text = telemetryLines(bytes);
  const starts: number[] = [];
  const lengths: number[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== 0x0a) continue;
    starts.push(start);
    lengths.push(i - start);
    start = i + 1;
  }
  return { bytes: text.subarray(0, start), positions: Int32Array.from(starts), lengths: Int32Array.from(lengths) };
}

/** JSON field extraction (ts, temp, device) in wasm vs TextDecoder + JSON.parse of each document, into the same columns. */
export async function jsonRows(): Promise<BenchResult[]> {
  const docs = telemetryDocuments(8 * 1024 * 1024);
  const count = docs.positions.length;
  const batch = 500;
  progress(`json field extraction: ${count} telemetry documents in batches of ${batch}`);
  const extractor = new JsonFieldExtractor(["ts", "temp", "device"]);
  const decoder = new TextDecoder();
  const ts = new Float64Array(batch);
  const temp = new Float64Array(batch);
  const deviceLength = new Int32Array(batch);
  const batches = Array.from({ length: Math.floor(count / batch) }, (_, b) => {
    const from = docs.positions[b * batch];
    const to = docs.positions[(b + 1) * batch - 1] + docs.lengths[(b + 1) * batch - 1];
    return {
      bytes: docs.bytes.subarray(from, to),
      positions: docs.positions.slice(b * batch, (b + 1) * batch).map((p) => p - from),
      lengths: docs.lengths.slice(b * batch, (b + 1) * batch),
    };
  });
  const events = batches.length * batch;
  const wasm = () => {
    let found = 0;
    for (const b of batches) {
      const fields = extractor.extract(b.bytes, b.positions, b.lengths);
      for (let i = 0; i < batch; i++) found += fields.kind[2 * batch + i] === JsonKind.string ? 1 : 0;
    }
    if (found !== events) throw new Error(`extracted ${found} devices of ${events}`);
    return events;
  };
  const parse = () => {
    let found = 0;
    for (const b of batches) {
      for (let i = 0; i < batch; i++) {
        const doc = JSON.parse(decoder.decode(b.bytes.subarray(b.positions[i], b.positions[i] + b.lengths[i]))) as Record<string, unknown>;
        ts[i] = typeof doc.ts === "number" ? doc.ts : NaN;
        temp[i] = typeof doc.temp === "number" ? doc.temp : NaN;
        deviceLength[i] = typeof doc.device === "string" ? doc.device.length : -1;
        found += deviceLength[i] >= 0 ? 1 : 0;
      }
    }
    if (found !== events) throw new Error(`parsed ${found} devices of ${events}`);
    return events;
  };
  // JSON.parse alone, on strings decoded beforehand: the floor of any JS baseline.
  const strings = batches.flatMap((b) => Array.from(b.positions, (p, i) => decoder.decode(b.bytes.subarray(p, p + b.lengths[i]))));
  const parseOnly = () => {
    for (const text of strings) temp[0] = (JSON.parse(text) as { temp: number }).temp;
    return strings.length;
  };
  wasm();
  parse();
  const [ours, theirs] = await paired(RUNS, wasm, parse);
  const parseAlone = medianRate(RUNS, parseOnly);
  return [
    result({ name: "json-extract", unit: "events/s", ledge: ours, baseline: theirs, baselineName: "TextDecoder + JSON.parse", target: null,
      notes: `3 fields, ${batch}-document batches, incl. copy in and columns out; JSON.parse alone on pre-decoded strings ${Math.round(parseAlone).toLocaleString("en-US")}/s` }),
  ];
}

async function lz4Rows(): Promise<BenchResult[]> {
  if (!existsSync(new URL("./lib/lz4.ts", import.meta.url))) return [];
  const { lz4Results } = (await import("./lib/lz4.ts" as string)) as { lz4Results: () => Promise<BenchResult[]> };
  return lz4Results();
}

export default async function core(): Promise<BenchResult[]> {
  return [...(await crcRows()), ...(await batchRows()), ...(await jsonRows()), ...(await lz4Rows())];
}
