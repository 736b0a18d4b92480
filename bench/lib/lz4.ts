// LZ4 frame compress and decompress, ledge's wasm codec against lz4js (pure JS), on the same
// seeded JSON telemetry in 1 MiB frames of 64 KiB blocks, medians of 9 alternating runs (both
// sides see the same load on a shared machine). Rows for `npm run bench -- core`;
// alone: `npx tsx bench/lib/lz4.ts [--json]`.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { compress, decompress } from "../../runtime/core/compression.ts";
import { codecWorkspace } from "../../runtime/core/codec-workspace.ts";
import { Compression } from "../../runtime/core/types.ts";
import { printResults, progress, result, type BenchResult } from "./report.ts";
import { telemetryLines } from "./telemetry-lines.ts";

const WARMUP_PASSES = 3;
const PAIRED_RUNS = 9;
const MB = 1e6;
const FRAME_BYTES = 1024 * 1024;
const FRAMES = 8;

const require = createRequire(import.meta.url);
const lz4js = require("lz4js") as {
  compress(src: Uint8Array): Uint8Array;
  decompress(src: Uint8Array, maxSize?: number): Uint8Array;
  compressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, table: Uint32Array): number;
};

/** What lz4js's block compressor gives with a fresh table per 64 KiB block (independent blocks, as Kafka needs). */
function lz4jsIndependentBytes(frame: Uint8Array): number {
  let total = 7 + 4;
  const out = new Uint8Array(70 * 1024);
  for (let off = 0; off < frame.length; off += 65536) {
    const len = Math.min(65536, frame.length - off);
    const n = lz4js.compressBlock(frame.subarray(off, off + len), out, 0, len, new Uint32Array(1 << 16));
    total += 4 + (n === 0 || n >= len ? len : n);
  }
  return total;
}

function totalLength(list: Uint8Array[]): number {
  return list.reduce((n, b) => n + b.length, 0);
}

/** Times `ledge` and `baseline` in alternating runs, so both see the same load on a shared
 *  machine; returns each one's median rate in MB/s and a note with the best runs. */
function pairedRates(ledge: () => number, baseline: () => number): { ledge: number; baseline: number; bestNote: string } {
  const ours: number[] = [];
  const theirs: number[] = [];
  const rate = (fn: () => number) => {
    const t0 = process.hrtime.bigint();
    const bytes = fn();
    return bytes / (Number(process.hrtime.bigint() - t0) / 1e9) / MB;
  };
  for (let r = 0; r < PAIRED_RUNS; r++) {
    ours.push(rate(ledge));
    theirs.push(rate(baseline));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const best = (xs: number[]) => Math.max(...xs);
  return { ledge: median(ours), baseline: median(theirs), bestNote: `${best(ours).toFixed(0)} vs ${best(theirs).toFixed(0)} MB/s` };
}

/** The best of PAIRED_RUNS runs of `fn` (bytes done), in MB/s. */
function bestRate(fn: () => number): number {
  let best = 0;
  for (let r = 0; r < PAIRED_RUNS; r++) {
    const t0 = process.hrtime.bigint();
    const bytes = fn();
    best = Math.max(best, bytes / (Number(process.hrtime.bigint() - t0) / 1e9) / MB);
  }
  return best;
}

export async function lz4Results(): Promise<BenchResult[]> {
  progress(`lz4 frames: ${FRAMES} x 1 MiB of JSON telemetry, 64 KiB blocks`);
  const frames = Array.from({ length: FRAMES }, (_, i) => telemetryLines(FRAME_BYTES, 1000 + i));
  const plainBytes = totalLength(frames);
  const ours = frames.map((f) => compress(Compression.lz4, f));
  const theirs = frames.map((f) => lz4js.compress(f));
  const ratioOurs = plainBytes / totalLength(ours);
  const ratioLz4js = plainBytes / totalLength(theirs);
  const ratioLz4jsIndependent = plainBytes / frames.reduce((n, f) => n + lz4jsIndependentBytes(f), 0);
  for (let i = 0; i < FRAMES; i++) {
    const back = decompress(Compression.lz4, ours[i], FRAME_BYTES);
    if (!Buffer.from(back).equals(Buffer.from(frames[i])) || !Buffer.from(lz4js.decompress(ours[i])).equals(Buffer.from(frames[i]))) {
      throw new Error(`bench: lz4 frame ${i} does not round-trip; the numbers would be meaningless`);
    }
  }

  // Warm both up first: V8 compiles wasm with a baseline tier and optimises hot functions
  // later, and a function already running stays in the tier it started in.
  for (let r = 0; r < WARMUP_PASSES; r++) {
    for (const f of frames) lz4js.decompress(lz4js.compress(f), FRAME_BYTES);
    for (const f of frames) decompress(Compression.lz4, compress(Compression.lz4, f), FRAME_BYTES);
  }

  const compressRates = pairedRates(
    () => { for (const f of frames) compress(Compression.lz4, f); return plainBytes; },
    () => { for (const f of frames) lz4js.compress(f); return plainBytes; },
  );
  const decompressRates = pairedRates(
    () => { for (const c of ours) decompress(Compression.lz4, c, FRAME_BYTES); return plainBytes; },
    () => { for (const c of ours) lz4js.decompress(c, FRAME_BYTES); return plainBytes; },
  );

  // The kernels alone, data already in wasm memory: what copying in and out costs the API.
  const ws = codecWorkspace();
  const inPtr = ws.input.write(frames[0]);
  const outPtr = ws.output.ensure(ws.kernels.lz4FrameBound(FRAME_BYTES));
  const packedBytes = ws.kernels.lz4FrameCompress(inPtr, FRAME_BYTES, outPtr, ws.kernels.lz4FrameBound(FRAME_BYTES));
  const kernelCompress = bestRate(() => {
    for (let r = 0; r < FRAMES; r++) ws.kernels.lz4FrameCompress(inPtr, FRAME_BYTES, outPtr, ws.kernels.lz4FrameBound(FRAME_BYTES));
    return FRAMES * FRAME_BYTES;
  });
  const kernelDecompress = bestRate(() => {
    for (let r = 0; r < FRAMES; r++) ws.kernels.lz4FrameDecompress(outPtr, packedBytes, inPtr, FRAME_BYTES);
    return FRAMES * FRAME_BYTES;
  });

  const ratioNote = `ratio ${ratioOurs.toFixed(2)} vs lz4js ${ratioLz4js.toFixed(2)} (${((ratioOurs / ratioLz4js - 1) * 100).toFixed(1)}%; ` +
    `lz4js links blocks, which Kafka forbids; lz4js with independent blocks ${ratioLz4jsIndependent.toFixed(2)})`;
  return [
    result({ name: "lz4-compress", unit: "MB/s", ledge: compressRates.ledge, baseline: compressRates.baseline, baselineName: "lz4js", target: 2,
      notes: `${ratioNote}; best runs ${compressRates.bestNote}; kernel alone (best run) ${kernelCompress.toFixed(0)} MB/s` }),
    result({ name: "lz4-decompress", unit: "MB/s", ledge: decompressRates.ledge, baseline: decompressRates.baseline, baselineName: "lz4js", target: 2,
      notes: `best runs ${decompressRates.bestNote}; kernel alone (best run) ${kernelDecompress.toFixed(0)} MB/s` }),
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  printResults(await lz4Results(), process.argv.includes("--json"));
}
